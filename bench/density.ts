/**
 * Issue 10 / SPEC §8 density: how many channels of the SPEC job (2 SRT inputs fed by stock
 * senders, AAC and MP2 at 44.1 kHz, plus a safety source; HLS AAC 32k/96k/192k in 4 s segments;
 * Icecast AAC 192k + MP3 128k) run on this machine in real time, one process tree per channel as
 * ops run it, for antenne and for Liquidsoap (the reference script) on the same machine.
 *
 * A step runs N channels at once: start them (and their senders), wait until each lists a segment
 * with its first input on air, warm up, then watch BENCH_SECONDS. Every channel must:
 *   - list every segment on its cadence (no segment > BENCH_LATE_S late; enough segments);
 *   - have no audio gap: the watched variant's segments of the window, decoded, have no silence
 *     ≥ 10 ms (the senders send noise); no input audio concealed, no switch, no clock slip
 *     (antenne: program clock re-anchors; Liquidsoap: "We must catchup" warnings);
 *   - antenne: event-loop lag p99 < 20 ms (its own metric over the last minute of ticks).
 * N doubles from BENCH_START until a step fails, then bisects between the last pass and the
 * first failure. Prints every step (CPU and PSS per channel, the machine's busy time and load)
 * and both counts with their ratio (goal ≥ 2).
 *
 *   node dist/bench/density.js
 *   env: BENCH_SECONDS=60 BENCH_WARMUP=30 BENCH_START=1 BENCH_MAX=64 BENCH_LATE_S=1
 *        BENCH_JOBS=antenne,liquidsoap
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { until } from "../test/helpers/proc.js";
import { decodeBytes, silentRuns } from "./lib/decode.js";
import { realTimeProblems, type ChannelWindow } from "./lib/density-check.js";
import { startFleet, stopFleet, type Channel } from "./lib/fleet.js";
import { BenchIcecast } from "./lib/icecast.js";
import type { JobHealth } from "./lib/job.js";
import { parseKinds, problems, type JobKind } from "./lib/jobs.js";
import { lateness } from "./lib/playlist-watch.js";
import { TICKS_PER_S, descendants, readMemory, scanProc, treeTicks, type ProcStat } from "./lib/proc-tree.js";
import { installed } from "./lib/reference.js";
import { SENDER_RATE, makeSourceFile, type SenderCodec } from "./lib/senders.js";
import { SPEC_JOB } from "./lib/shape.js";
import { fmt } from "./lib/stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30);
const START = Number(process.env.BENCH_START ?? 1);
const MAX = Number(process.env.BENCH_MAX ?? 64);
const LATE_S = Number(process.env.BENCH_LATE_S ?? 1);
const KINDS = parseKinds(process.env.BENCH_JOBS ?? "antenne,liquidsoap").filter(
  (k) => k !== "floor" && (k !== "liquidsoap" || installed("liquidsoap")),
);
const SHAPE = SPEC_JOB;
/** Start-up of MAX channels, the first segments, warm-up, window, checks and stop, with room. */
const LIFETIME_MS = (WARMUP + SECONDS + 180 + 4 * MAX) * 1000;

/** Busy and total jiffies of the whole machine (/proc/stat's first line). */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function since(before: JobHealth, after: JobHealth): JobHealth {
  const d = (a?: number, b?: number) => (a === undefined ? undefined : a - (b ?? 0));
  return {
    ...after,
    concealedMs: d(after.concealedMs, before.concealedMs),
    clockSlips: d(after.clockSlips, before.clockSlips),
    switches: d(after.switches, before.switches),
  };
}

async function windowOf(
  c: Channel,
  kind: JobKind,
  fromMs: number,
  h0: JobHealth,
  live: Set<string>,
): Promise<ChannelWindow> {
  const segs = c.watch.since(fromMs);
  const bytes = Buffer.concat(segs.flatMap((s) => (s.copy ? [readFileSync(s.copy)] : [])));
  const gaps = bytes.length ? silentRuns(await decodeBytes(bytes), SENDER_RATE) : [];
  const health = since(h0, await c.job.health());
  const probs = await problems(c.job, c.plan, live);
  if (kind === "antenne" && health.lagP99Ms === undefined) probs.push("no answer from its API");
  return {
    latenessS: lateness(segs, 0),
    segments: segs.length,
    expectedSegments: Math.floor(SECONDS / SHAPE.segmentSec) - 1,
    gapsMs: gaps.map((g) => g.ms),
    health,
    problems: probs,
  };
}

interface Step {
  n: number;
  pass: boolean;
  failures: string[];
  cpuPerChannel: number;
  pssPerChannel: number;
  machineBusy: number;
  load: number;
}

const treeCpu = (a: Map<number, ProcStat>, b: Map<number, ProcStat>, pid: number) =>
  treeTicks(descendants(a, pid), descendants(b, pid));
const treePss = (all: Map<number, ProcStat>, pid: number) =>
  [...descendants(all, pid).keys()].reduce((s, p) => s + (readMemory(p)?.pssKiB ?? 0) / 1024, 0);

async function step(
  kind: JobKind,
  n: number,
  ice: BenchIcecast,
  files: Record<SenderCodec, string>,
): Promise<Step> {
  const channels: Channel[] = [];
  try {
    try {
      await startFleet(channels, { kind, n, shape: SHAPE, ice, files, lifetimeMs: LIFETIME_MS, step: n });
      await until(
        async () => {
          for (const c of channels) {
            if (c.job.exited) throw new Error(`${kind} exited (see ${c.plan.dir})`);
            if (!c.watch.listed.length || (await problems(c.job, c.plan, null)).length) return false;
          }
          return true;
        },
        (60 + 3 * n) * 1000,
        `${n} × ${kind}: a segment each with the first input on air`,
        500,
      );
    } catch (err) {
      // A job that cannot start and go on air with n - 1 others running does not run n in real time.
      const why = `did not start: ${err instanceof Error ? err.message : String(err)}`;
      return {
        n,
        pass: false,
        failures: [why],
        cpuPerChannel: NaN,
        pssPerChannel: NaN,
        machineBusy: NaN,
        load: loadavg()[0]!,
      };
    }
    await sleep(WARMUP * 1000);
    const h0 = await Promise.all(channels.map((c) => c.job.health()));
    const [p0, m0, t0] = [scanProc(), machineTicks(), Date.now()];
    await sleep(SECONDS * 1000);
    const [p1, m1, elapsed] = [scanProc(), machineTicks(), (Date.now() - t0) / 1000];
    const live = await ice.mounts();
    const failures: string[] = [];
    for (const [i, c] of channels.entries()) {
      const why = realTimeProblems(await windowOf(c, kind, t0, h0[i]!, live), {
        lateS: LATE_S,
        lagP99Ms: 20,
      });
      if (why.length) failures.push(`channel ${i + 1}: ${why.join(", ")}`);
    }
    const cpu = channels.reduce((a, c) => a + treeCpu(p0, p1, c.job.pid), 0) / TICKS_PER_S / elapsed;
    const pss = channels.reduce((a, c) => a + treePss(p1, c.job.pid), 0);
    return {
      n,
      pass: failures.length === 0,
      failures,
      cpuPerChannel: (100 * cpu) / n,
      pssPerChannel: pss / n,
      machineBusy: (100 * (m1.busy - m0.busy)) / (m1.total - m0.total),
      load: loadavg()[0]!,
    };
  } finally {
    await stopFleet(channels);
  }
}

function logStep(kind: JobKind, s: Step): void {
  console.log(
    `${kind.padEnd(10)} ${String(s.n).padStart(3)} channels: ${s.pass ? "real time" : "NOT real time"}; ` +
      `CPU ${fmt(s.cpuPerChannel)} % of a core per channel, PSS ${fmt(s.pssPerChannel, 0)} MiB per channel; ` +
      `machine busy ${fmt(s.machineBusy, 0)} % of both cores; load ${fmt(s.load)}`,
  );
  for (const f of s.failures.slice(0, 6)) console.log(`    ${f}`);
  if (s.failures.length > 6) console.log(`    … and ${s.failures.length - 6} more channels`);
}

/** Doubles N until a step fails, then bisects: the largest N that passed. */
async function count(kind: JobKind, ice: BenchIcecast, files: Record<SenderCodec, string>): Promise<number> {
  let pass = 0;
  let fail = Infinity;
  for (let n = START; n <= MAX && fail === Infinity; n *= 2) {
    const s = await step(kind, n, ice, files);
    logStep(kind, s);
    if (s.pass) pass = n;
    else fail = n;
  }
  while (fail !== Infinity && fail - pass > 1) {
    const n = Math.floor((pass + fail) / 2);
    const s = await step(kind, n, ice, files);
    logStep(kind, s);
    if (s.pass) pass = n;
    else fail = n;
  }
  return pass;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), "antenne-bench-density-src-"));
  const ice = await BenchIcecast.start({ sources: 2 * MAX + 8, clients: 2 * MAX + 40 });
  try {
    console.log(
      `# density: channels of the SPEC job in real time, one process tree each; ${KINDS.join(", ")}; ` +
        `${SECONDS} s watched after ${WARMUP} s warm-up per step; ${new Date().toISOString()}; ` +
        `load ${loadavg()
          .map((x) => x.toFixed(2))
          .join(" ")}`,
    );
    const seconds = Math.ceil(LIFETIME_MS / 1000);
    const files = {
      aac: await makeSourceFile(tmp, "aac", seconds),
      mp2: await makeSourceFile(tmp, "mp2", seconds),
    };
    const counts = new Map<JobKind, number>();
    for (const kind of KINDS) counts.set(kind, await count(kind, ice, files));
    console.log("");
    for (const [k, n] of counts) console.log(`${k}: ${n} channels in real time`);
    const a = counts.get("antenne");
    const l = counts.get("liquidsoap");
    if (a !== undefined && l !== undefined)
      console.log(`antenne / Liquidsoap: ${l > 0 ? fmt(a / l) : "n/a"} (goal ≥ 2)`);
  } finally {
    await ice.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
