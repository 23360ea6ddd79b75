/**
 * Issue 10: how much of the daemon's CPU on the SPEC job any Node daemon on libsrt pays before it
 * does the job. Four processes on the same two stock senders (AAC 128k and MP2 192k at 44.1 kHz,
 * `ffmpeg -re … -c copy -f mpegts srt://…`, no tuning), one after the other in rotating order,
 * round after round, each measured alone for BENCH_SECONDS after BENCH_WARMUP:
 *   tick     node with the daemon's flags and its 60 ms program tick, nothing else;
 *   receive  + the two SRT listener inputs (libsrt via koffi, polled on the tick), data dropped;
 *   decode   + each connection demuxed and decoded in-process to program PCM, dropped;
 *   antenne  the daemon on the SPEC job (bench/real-job.ts's), its process only (not the encoder).
 * The first three run bench/lib/stage-main.ts with the daemon's own classes. Per thread group:
 * the main thread, libsrt's threads (SRT:*), the rest (V8's and libuv's). Prints, asserts nothing.
 *
 *   node dist/bench/daemon-stages.js     env: BENCH_ROUNDS=3 BENCH_WARMUP=30 BENCH_SECONDS=30
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { NODE_FLAGS } from "../src/node-flags.js";
import { freeUdpPort } from "../test/helpers/ports.js";
import { until } from "../test/helpers/proc.js";
import { startAntenne } from "./lib/antenne-job.js";
import { BenchIcecast } from "./lib/icecast.js";
import { threadCpu } from "./lib/proc-tree.js";
import { Sender, makeSourceFile } from "./lib/senders.js";
import { SPEC_JOB, senderCodec } from "./lib/shape.js";
import { Spawned } from "./lib/spawned.js";
import { fmt, median, row } from "./lib/stats.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const LIFETIME_MS = (WARMUP + SECONDS + 120) * 1000;
const STAGE_MAIN = fileURLToPath(new URL("./lib/stage-main.js", import.meta.url));
const JOBS = ["tick", "receive", "decode", "antenne"] as const;
type JobName = (typeof JOBS)[number];

interface Sample {
  total: number;
  main: number;
  srt: number;
  other: number;
  /** What a stage process received and decoded. */
  note?: string;
}

/** Thread CPU grouped: the main thread, libsrt's (SRT:*), the rest. */
function grouped(threads: Map<string, number>): Sample {
  const s: Sample = { total: 0, main: 0, srt: 0, other: 0 };
  for (const [name, pct] of threads) {
    s.total += pct;
    if (name === "main thread") s.main += pct;
    else if (name.startsWith("SRT:")) s.srt += pct;
    else s.other += pct;
  }
  return s;
}

async function runOne(name: JobName, dir: string, files: string[], ice: BenchIcecast): Promise<Sample> {
  const ports = [await freeUdpPort(), await freeUdpPort()];
  const work = mkdtempSync(join(dir, `${name}-`));
  let stop: () => Promise<void>;
  let pid: number;
  if (name === "antenne") {
    const job = await startAntenne(
      { shape: SPEC_JOB, ports, dir: work, tag: `stages${ports[0]}`, ice },
      LIFETIME_MS,
    );
    [stop, pid] = [() => job.stop(), job.pid];
  } else {
    const log = join(work, "stage.log");
    const proc = new Spawned("node", [...NODE_FLAGS, STAGE_MAIN, name, ...ports.map(String)], {
      logFile: log,
      maxLifetimeMs: LIFETIME_MS,
    });
    await until(() => readFileSync(log, "utf8").includes("ready"), 10_000, `${name} ready`, 50);
    [stop, pid] = [() => proc.stop(), proc.pid];
  }
  const senders = name === "tick" ? [] : files.map((f, i) => new Sender(f, ports[i]!, LIFETIME_MS));
  let sample: Sample;
  try {
    await sleep(WARMUP * 1000);
    sample = grouped(await threadCpu(pid, SECONDS));
  } finally {
    await stop();
    await Promise.all(senders.map((s) => s.stop()));
  }
  if (name === "receive" || name === "decode") sample.note = checkStage(name, join(work, "stage.log"));
  return sample;
}

/** What a stage received and decoded (its last log line), and whether that is the job's data. */
function checkStage(name: JobName, log: string): string {
  const m = /received (\d+) bytes, decoded (\d+) samples/.exec(readFileSync(log, "utf8"));
  if (!m) throw new Error(`${name}: no totals in ${log}`);
  const [bytes, samples] = [Number(m[1]), Number(m[2])];
  // Both senders for at least the measured window: AAC 128k + MP2 192k, ~0.3 Mbit/s of TS.
  const seconds = bytes / (320_000 / 8);
  if (seconds < SECONDS)
    throw new Error(`${name}: only ${bytes} bytes received (${fmt(seconds)} s of both senders)`);
  const audioSec = samples / (2 * 44100 * 2);
  if (name === "decode" && audioSec < SECONDS)
    throw new Error(`${name}: only ${fmt(audioSec)} s of audio decoded per input`);
  return name === "decode"
    ? `${fmt(bytes / 1e6)} MB, ${fmt(audioSec, 0)} s per input decoded`
    : `${fmt(bytes / 1e6)} MB`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "antenne-bench-stages-"));
  const ice = await BenchIcecast.start();
  const started = new Date().toISOString();
  console.log(
    `# daemon stages: ${ROUNDS} rounds × ${JOBS.join(", ")}; ${SECONDS} s after ${WARMUP} s; ${started}; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  try {
    const length = Math.max(120, WARMUP + SECONDS + 30);
    const files = await Promise.all([0, 1].map((i) => makeSourceFile(dir, senderCodec(i), length)));
    const samples = new Map<JobName, Sample[]>(JOBS.map((j) => [j, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const order = JOBS.map((_, i) => JOBS[(i + r) % JOBS.length]!);
      for (const name of order) {
        const s = await runOne(name, dir, files, ice);
        samples.get(name)!.push(s);
        console.log(
          `round ${r + 1} ${name}: ${fmt(s.total)} % (main ${fmt(s.main)}, libsrt ${fmt(s.srt)}, V8/libuv ${fmt(s.other)})${s.note ? `, ${s.note}` : ""}; load ${loadavg()[0]!.toFixed(2)}`,
        );
      }
    }
    const med = (name: JobName, k: Exclude<keyof Sample, "note">) =>
      median(samples.get(name)!.map((s) => s[k]));
    const full = med("antenne", "total");
    console.log(
      `\n| process (SPEC job's senders) | CPU, % of one core | main thread | libsrt threads | V8/libuv threads | share of the daemon |`,
    );
    console.log("| --- | --- | --- | --- | --- | --- |");
    for (const name of JOBS) {
      const cells = (["total", "main", "srt", "other"] as const).map((k) => fmt(med(name, k)));
      console.log(row([name, ...cells, fmt(med(name, "total") / full)]));
    }
    console.log(`\n(medians of ${ROUNDS} rounds; the daemon-process target of issue 10 is < 3 %)`);
  } finally {
    await ice.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
