/**
 * Issue 9 benchmark: the stock-sender matrix as a table, and the CPU of the input stage.
 *
 * 1. Every case of test/helpers/stock-matrix.ts and the hitless case (the same runs the e2e test
 *    judges, each sender at its defaults, minNoiseSec 1, returnDelaySec 2, maxBlankSec 2): time
 *    to air from the sender's start (with when it connected, first decoded, became available),
 *    switches after it went on air, disturbed 10 ms windows of the decoded HLS program, the jitter
 *    target the input chose, the largest arrival gap, concealed audio, overruns, driftPpm; then the
 *    hitless jumps at the manual switches and the failover (samples, ms), and the same two paths
 *    declared without a group (each its own timeline) for comparison.
 * 2. The input stage's CPU: one daemon (the CLI, its own process) with N SRT listener inputs and a
 *    tone safety, measured with no sender, then with N stock `ffmpeg -c:a aac -f mpegts srt://`
 *    senders; (fed − idle) / N is the cost of one fed input (SRT receive, TS demux, in-process
 *    decode, timeline) in the daemon process. Target ≤ 1 % of a core per input.
 *
 *   npx tsc -p . && node dist/bench/stock-senders.js        (BENCH_SECONDS=30 per CPU phase)
 *   BENCH_ONLY=cpu | matrix | hitless                        (one part)
 *
 * Prints only; no asserts. The machine should be quiet (load < 1.5): every case runs real
 * ffmpeg, srt-live-transmit and an encoder, and the table's timings are wall-clock.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NODE_FLAGS } from "../src/node-flags.js";
import { killAll } from "../test/e2e/srt-helpers.js";
import { freeTcpPort } from "../test/helpers/ports.js";
import { runCase } from "../test/helpers/stock-case.js";
import { hitlessSpec, hitlessVerdict } from "../test/helpers/stock-hitless.js";
import { MATRIX } from "../test/helpers/stock-matrix.js";
import { ffmpegCaller } from "../test/helpers/stock-senders.js";
import { silenceVerdict } from "../test/helpers/stock-silence.js";
import { toneVerdict, type ToneVerdict } from "../test/helpers/stock-verdict.js";
import { measure } from "./lib/proc-stats.js";
import { freeUdpPort } from "../test/helpers/ports.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const ONLY = process.env.BENCH_ONLY ?? "";
const INPUTS = 4;
const WARMUP_SEC = 8;
const CLI = fileURLToPath(new URL("../src/cli.js", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function row(cells: (string | number)[]): string {
  const widths = [58, 16, 22, 9, 10, 14, 8, 10, 9, 8];
  return cells.map((c, i) => String(c).padEnd(widths[i] ?? 10)).join(" ");
}

function toneRow(v: ToneVerdict, short: string): string {
  const c = v.counters;
  const p = v.path;
  return row([
    short,
    v.timeToAirMs === null ? "never" : `${v.timeToAirMs}${v.timeToAirMs > v.boundMs ? " (>bound)" : ""}`,
    `${p.connectedMs ?? "-"}/${p.firstAudioMs ?? "-"}/${p.availableMs ?? "-"}`,
    v.switchesAfterOnAir.length,
    `${v.disturbed.length}/${v.windows}`,
    `${c?.targetDelayMs.toFixed(0)} (${c?.targetDelayMaxMs.toFixed(0)})`,
    c?.arrivalGapMaxMs.toFixed(0) ?? "-",
    c?.concealedMs.toFixed(0) ?? "-",
    c?.overruns ?? "-",
    c?.driftPpm ?? "-",
  ]);
}

async function matrix(): Promise<void> {
  console.log(
    `# stock senders at their defaults (${new Date().toISOString()}); bound = 1 s + minNoiseSec + returnDelaySec`,
  );
  console.log(
    row([
      "case",
      "on air ms",
      "conn/audio/avail ms",
      "switches",
      "disturbed",
      "target ms (max)",
      "gap max",
      "concealed",
      "overruns",
      "drift",
    ]),
  );
  for (const mc of ONLY === "hitless" ? [] : MATRIX) {
    const run = await runCase(mc.spec);
    const v =
      mc.kind === "silence"
        ? silenceVerdict(run).verdict
        : toneVerdict(run, { input: "main", freqs: mc.freqs });
    console.log(toneRow(v, mc.spec.name.slice(0, 57)));
  }
  for (const grouped of [true, false]) await hitless(grouped);
}

async function hitless(grouped: boolean): Promise<void> {
  const spec = hitlessSpec(grouped);
  const run = await runCase(spec);
  const h = hitlessVerdict(run);
  console.log(`\n# ${spec.name}`);
  console.log(
    `on air ${run.onAirMs === null ? "never" : run.onAirMs - run.startedMs} ms after the sender started`,
  );
  for (const j of h.jumps)
    console.log(
      `${j.what.padEnd(22)} jump ${j.samples.toFixed(2).padStart(9)} samples = ${j.ms.toFixed(3).padStart(8)} ms ` +
        `(ρ ≥ ${j.rhoMin.toFixed(3)}, steering ${j.steeringPpm.map((p) => p.toFixed(0)).join(" → ")} ppm)`,
    );
  console.log(
    `${h.disturbed}/${h.windows} 20 ms windows unlike the reference; ${h.summary.split("; ").at(-1)}`,
  );
}

function channelFile(dir: string, api: number, ports: number[]): string {
  const inputs = ports.map(
    (p, i) => `  - id: in${i + 1}\n    srt: { mode: listener, bind: "127.0.0.1:${p}" }`,
  );
  const file = join(dir, "bench.yaml");
  writeFileSync(
    file,
    `channel: stockcpu
inputs:
${inputs.join("\n")}
  - id: safety
    tone: { frequencyHz: 1000 }
profiles:
  hi: { codec: aac, bitrate: 128k }
outputs:
  hls: { dir: ./hls, segmentSec: 4, windowSegments: 5, profiles: [hi] }
api: { listen: "127.0.0.1:${api}" }
`,
  );
  return file;
}

async function cpu(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "antenne-stock-cpu-"));
  const api = await freeTcpPort();
  const ports = await Promise.all(Array.from({ length: INPUTS }, () => freeUdpPort()));
  const daemon: ChildProcess = spawn("node", [...NODE_FLAGS, CLI, "run", channelFile(dir, api, ports)], {
    stdio: "ignore",
    cwd: dir,
  });
  const guard = setTimeout(() => daemon.kill("SIGKILL"), (2 * (SECONDS + WARMUP_SEC) + 60) * 1000);
  try {
    await sleep(WARMUP_SEC * 1000);
    const idle = await measure(daemon.pid!, SECONDS);
    const senders = ports.map((p, i) =>
      ffmpegCaller(p, { freq: 330 + 110 * i }, "aac", [], (SECONDS + 30) * 1000),
    );
    await sleep(WARMUP_SEC * 1000);
    const st = (await (await fetch(`http://127.0.0.1:${api}/api/v1/status`)).json()) as {
      inputs: { id: string; available: boolean; srt?: { stream: string | null } }[];
    };
    const fed = st.inputs.filter((i) => i.id.startsWith("in") && i.available);
    const busy = await measure(daemon.pid!, SECONDS);
    await Promise.all(senders.map((s) => s.stop()));
    const per = (busy.self.cpuPct - idle.self.cpuPct) / INPUTS;
    console.log(
      `\n# input stage CPU: ${INPUTS} SRT inputs, ${SECONDS} s per phase after ${WARMUP_SEC} s warm-up`,
    );
    console.log(
      `daemon, no sender:     ${idle.self.cpuPct.toFixed(2)} % of a core, ${idle.self.peakRssMiB.toFixed(0)} MiB`,
    );
    console.log(
      `daemon, ${fed.length} fed inputs:  ${busy.self.cpuPct.toFixed(2)} % of a core, ${busy.self.peakRssMiB.toFixed(0)} MiB ` +
        `(${fed.map((i) => i.srt?.stream).join(", ")})`,
    );
    console.log(`per fed input:         ${per.toFixed(2)} % of a core (target ≤ 1 %)`);
    console.log(
      `whole channel (daemon + encoder): ${idle.total.cpuPct.toFixed(2)} % idle, ${busy.total.cpuPct.toFixed(2)} % fed`,
    );
    if (fed.length !== INPUTS) console.log(`WARNING: only ${fed.length} of ${INPUTS} inputs available`);
  } finally {
    clearTimeout(guard);
    daemon.kill("SIGTERM");
    await new Promise((r) => daemon.once("close", r));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  try {
    if (ONLY !== "cpu") await matrix();
    if (ONLY === "" || ONLY === "cpu") await cpu();
  } finally {
    await killAll();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
