/**
 * Issue 10 / SPEC §8: the real job side by side — antenne, the plain-ffmpeg five-encode floor and
 * Liquidsoap 2.1.3 (the shared reference script) on the same stock SRT senders and the same
 * icecast2 (started here), in interleaved rounds. Two shapes: the SPEC job (2 SRT inputs, AAC
 * and MP2 senders at 44.1 kHz, plus a safety source; HLS AAC 32k/96k/192k in 4 s segments;
 * Icecast AAC 192k + MP3 128k) and the production shape (7 SRT inputs, 5 fed).
 *
 * Per run: start the job, start its senders, wait for its first segment and the first input on
 * air, warm up (60 s by default: V8 still optimizes functions called once per tick for minutes,
 * 8 compiles/s in the first 30 s and ~1/s after 2 min, which costs the daemon ~1 % of a core at
 * first and ~0.5 % after 2 min; channels run for days), then measure the job's process tree for BENCH_SECONDS (bench/lib/tree-sampler:
 * CPU of the tree and of the root from /proc/PID/stat, PSS/RSS/USS from smaps_rollup every 5 s,
 * medians). A run whose job stopped doing its work (mounts, segments, input on air) is reported
 * and left out of the medians. Prints medians, per-round ratios and the issue's targets.
 *
 *   node dist/bench/real-job.js
 *   env: BENCH_SECONDS=60 BENCH_ROUNDS=3 BENCH_WARMUP=60 BENCH_SHAPES=spec,production
 *        BENCH_JOBS=antenne,floor,liquidsoap
 *   A change against this build, in the same rounds: BENCH_JOBS=antenne,antenne-b with
 *   BENCH_ANTENNE_B=<other checkout, built> and/or BENCH_ANTENNE_B_ENV="K=V …" (prints B / A).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freeUdpPort } from "../test/helpers/ports.js";
import { until } from "../test/helpers/proc.js";
import { BenchIcecast } from "./lib/icecast.js";
import { parseKinds, problems, startJob, type JobKind } from "./lib/jobs.js";
import type { JobHealth } from "./lib/job.js";
import { PlaylistWatch } from "./lib/playlist-watch.js";
import { installed } from "./lib/reference.js";
import { Sender, makeSourceFile, type SenderCodec } from "./lib/senders.js";
import { PRODUCTION, SPEC_JOB, senderCodec, type JobPlan, type Shape } from "./lib/shape.js";
import { fmt } from "./lib/stats.js";
import { measureTree, type TreeUsage } from "./lib/tree-sampler.js";
import { summarize, type RunResult } from "./lib/real-job-report.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 60);
const SHAPES: Shape[] = (process.env.BENCH_SHAPES ?? "spec,production").split(",").map((s) => {
  if (s === "spec") return SPEC_JOB;
  if (s === "production") return PRODUCTION;
  throw new Error(`unknown shape "${s}" (spec, production)`);
});
const KINDS = parseKinds(process.env.BENCH_JOBS).filter((k) => k !== "liquidsoap" || installed("liquidsoap"));
/** Start-up, first segment, warm-up, window and stop, with room: no child lives longer. */
const LIFETIME_MS = (WARMUP + SECONDS + 120) * 1000;

const load = () => loadavg()[0]!;

async function runOnce(
  kind: JobKind,
  shape: Shape,
  ice: BenchIcecast,
  files: Record<SenderCodec, string>,
  round: number,
): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), `antenne-bench-real-${kind}-`));
  const ports = await Promise.all(Array.from({ length: shape.inputs }, () => freeUdpPort()));
  const plan: JobPlan = { shape, ports, dir, tag: `${kind}-${round}`, ice };
  const job = await startJob(kind, plan, LIFETIME_MS);
  const senders = Array.from(
    { length: shape.fed },
    (_, i) => new Sender(files[senderCodec(i)], ports[i]!, LIFETIME_MS),
  );
  const watch = new PlaylistWatch(job.playlist, 500).start();
  const loadBefore = load();
  try {
    await until(
      async () => {
        if (job.exited) throw new Error(`${job.name} exited (see ${dir})`);
        return watch.listed.length > 0 && (await problems(job, plan, null)).length === 0;
      },
      60_000,
      `${job.name}: first segment with the first input on air`,
      250,
    );
    await sleep(WARMUP * 1000);
    const issues = await problems(job, plan, await ice.mounts());
    const t0 = Date.now();
    const h0 = await job.health();
    const starts = senders.reduce((a, s) => a + s.starts, 0);
    const usage: TreeUsage = await measureTree(job.pid, SECONDS);
    issues.push(...(await problems(job, plan, await ice.mounts())));
    const segments = watch.since(t0).length;
    const expected = Math.floor(SECONDS / shape.segmentSec) - 1;
    if (segments < expected) issues.push(`${segments} segments listed in the window, expected ≥ ${expected}`);
    const restarts = senders.reduce((a, s) => a + s.starts, 0) - starts;
    if (restarts > 0) issues.push(`senders restarted ${restarts} times while measured`);
    const health = since(h0, await job.health());
    return { kind, shape: shape.name, round, usage, issues, health, load: [loadBefore, load()] };
  } finally {
    watch.stop();
    await job.stop();
    await Promise.all(senders.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Counters over the window: switches and clock slips as deltas, the rest as read at its end. */
function since(before: JobHealth, after: JobHealth): JobHealth {
  const d = (a?: number, b?: number) => (a === undefined ? undefined : a - (b ?? 0));
  return {
    ...after,
    switches: d(after.switches, before.switches),
    clockSlips: d(after.clockSlips, before.clockSlips),
    concealedMs: d(after.concealedMs, before.concealedMs),
  };
}

function logRun(r: RunResult): void {
  const u = r.usage;
  const h = r.health;
  const extra = [
    h.lagP99Ms !== undefined ? `lag p99 ${fmt(h.lagP99Ms, 1)} ms` : "",
    h.concealedMs !== undefined ? `concealed ${fmt(h.concealedMs, 0)} ms` : "",
    h.clockSlips !== undefined ? `clock slips ${h.clockSlips}` : "",
    h.switches !== undefined ? `switches ${h.switches}` : "",
  ].filter(Boolean);
  const top = [...u.byCommand.entries()]
    .sort((a, b) => b[1].cpu - a[1].cpu)
    .map(([c, v]) => `${c}×${v.count} ${fmt(v.cpu)} % ${fmt(v.pss, 0)} MiB`)
    .join(", ");
  console.log(
    `round ${r.round} ${r.shape.padEnd(16)} ${r.kind.padEnd(10)} tree ${fmt(u.treeCpu)} % (root ${fmt(u.rootCpu)} %), ` +
      `PSS ${fmt(u.tree.pss, 0)} MiB (root ${fmt(u.root.pss, 0)}), RSS ${fmt(u.tree.rss, 0)} MiB (root ${fmt(u.root.rss, 0)}), ` +
      `${u.processes} processes [${top}]; ${extra.join(", ")}; load ${fmt(r.load[0], 2)}→${fmt(r.load[1], 2)}` +
      (r.issues.length ? `\n  INVALID: ${r.issues.join("; ")}` : ""),
  );
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), "antenne-bench-real-src-"));
  const ice = await BenchIcecast.start();
  try {
    console.log(
      `# real job: ${ROUNDS} rounds × ${SHAPES.map((s) => s.name).join(" + ")} × ${KINDS.join(", ")}; ` +
        `${SECONDS} s measured after ${WARMUP} s warm-up; icecast2 on 127.0.0.1:${ice.port}; ` +
        `${new Date().toISOString()}; load ${loadavg()
          .map((x) => x.toFixed(2))
          .join(" ")}`,
    );
    if (!KINDS.includes("liquidsoap"))
      console.log("(Liquidsoap not installed or not selected: no Liquidsoap ratios)");
    const seconds = WARMUP + SECONDS + 90;
    const files = {
      aac: await makeSourceFile(tmp, "aac", seconds),
      mp2: await makeSourceFile(tmp, "mp2", seconds),
    };
    const results: RunResult[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      for (const shape of SHAPES) {
        // Rotate the order each round: no job always runs first (or after the same one).
        const order = KINDS.map((_, i) => KINDS[(i + r - 1) % KINDS.length]!);
        for (const kind of order) {
          const res = await runOnce(kind, shape, ice, files, r);
          results.push(res);
          logRun(res);
        }
      }
    }
    console.log("");
    for (const line of summarize(results, SHAPES)) console.log(line);
  } finally {
    await ice.dispose();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
