/**
 * SPEC §8: the median time from a sample entering an SRT sender to a playlist listing the
 * segment that holds it, with 2 s segments (goal ≤ segmentSec / 2 + 0.5 s; Liquidsoap 2.28 s).
 *
 * The sender is stock ffmpeg (`-f s16le -i pipe:0 -c:a aac -b:a 128k -f mpegts srt://…`) fed by
 * this bench in real time: a 440 Hz tone with 10 ms clicks at seeded irregular intervals
 * (1.1–1.9 s, so they fall everywhere within a segment). A click enters the sender when its
 * chunk is written to ffmpeg's stdin (wall time recorded). The job's watched playlist (AAC 96k)
 * is polled every 10 ms; each newly listed segment is copied at once with the time it was first
 * seen. Afterwards every segment is decoded, the clicks found in it are matched to the clicks sent
 * (the offset that lines most of them up; no shared clock needed), and each matched click's
 * latency is: its segment's listing time − the time it entered the sender. The rest of the job is
 * the SPEC job (2 SRT inputs, the first fed, safety source, HLS 32k/96k/192k, Icecast AAC + MP3 on
 * a real icecast2), with every setting at its default.
 *
 *   node dist/bench/latency.js      env: BENCH_SECONDS=60 of clicks per run, BENCH_ROUNDS=2,
 *                                        BENCH_JOBS=antenne,liquidsoap (floor also possible)
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freeUdpPort } from "../test/helpers/ports.js";
import { until } from "../test/helpers/proc.js";
import { seededRandom } from "../test/helpers/random.js";
import { ClickSignal, alignOffset, detectOnsets, matchClicks } from "./lib/clicks.js";
import { decodeMono } from "./lib/decode.js";
import { BenchIcecast } from "./lib/icecast.js";
import { parseKinds, startJob, type JobKind } from "./lib/jobs.js";
import { PcmSender } from "./lib/pcm-sender.js";
import { PlaylistWatch, type Listed } from "./lib/playlist-watch.js";
import { installed } from "./lib/reference.js";
import { SENDER_RATE } from "./lib/senders.js";
import { inputLabels, type JobPlan, type Shape } from "./lib/shape.js";
import { fmt, median, quantile } from "./lib/stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const KINDS = parseKinds(process.env.BENCH_JOBS ?? "antenne,liquidsoap").filter(
  (k) => k !== "liquidsoap" || installed("liquidsoap"),
);
const SHAPE: Shape = { name: "latency job", inputs: 2, fed: 1, segmentSec: 2, icecast: true };
const GOAL_S = SHAPE.segmentSec / 2 + 0.5;
const LIFETIME_MS = (SECONDS + 150) * 1000;
/** Matching tolerance: far below the clicks' 1.1 s minimum spacing. */
const TOL = Math.round(0.05 * SENDER_RATE);

/** Click onsets in output positions, each with the segment (index into `segs`) holding it. */
async function findClicks(segs: Listed[]): Promise<{ pos: number; seg: number; inSeg: number }[]> {
  const found: { pos: number; seg: number; inSeg: number }[] = [];
  let start = 0;
  for (const [k, s] of segs.entries()) {
    if (!s.copy) continue;
    const pcm = await decodeMono(s.copy);
    for (const o of detectOnsets(pcm, SENDER_RATE)) found.push({ pos: start + o, seg: k, inSeg: o });
    start += pcm.length;
  }
  return found;
}

interface RunLatency {
  latenciesS: number[];
  /** Where the playlist carries PROGRAM-DATE-TIME: sender → the click's place on the program clock. */
  toProgramS: number[];
  /** The job's own account of the input's delay (antenne: the jitter target), ms. */
  delayMs: number | undefined;
  sent: number;
  detected: number;
  senderStarts: number;
  worstLateMs: number;
  worstPollGapMs: number;
}

async function runOnce(kind: JobKind, ice: BenchIcecast, round: number): Promise<RunLatency> {
  const dir = mkdtempSync(join(tmpdir(), `antenne-bench-latency-${kind}-`));
  const copies = join(dir, "copies");
  mkdirSync(copies);
  const ports = await Promise.all([freeUdpPort(), freeUdpPort()]);
  const plan: JobPlan = { shape: SHAPE, ports, dir, tag: `lat-${kind}-${round}`, ice };
  const job = await startJob(kind, plan, LIFETIME_MS);
  const sender = new PcmSender(
    new ClickSignal(SENDER_RATE, seededRandom(round)),
    ports[0]!,
    LIFETIME_MS,
  ).start();
  const watch = new PlaylistWatch(job.playlist, 10, copies).start();
  try {
    const main = inputLabels(SHAPE)[0];
    await until(
      async () => {
        if (job.exited) throw new Error(`${job.name} exited (see ${dir})`);
        const onAir = await job.onAir();
        return watch.listed.length > 0 && (onAir === null || onAir === main);
      },
      60_000,
      `${job.name}: first segment with ${main} on air`,
      100,
    );
    await sleep(3000);
    const from = watch.listed.length;
    sender.signal.startClicks();
    await sleep(SECONDS * 1000);
    sender.signal.stopClicks();
    // Until the last click's segment is surely listed.
    await sleep((2 * SHAPE.segmentSec + 5) * 1000);
    const segs = watch.listed.slice(from);
    const found = await findClicks(segs);
    const sent = sender.clicks.map((c) => c.position);
    const aligned = alignOffset(
      found.map((f) => f.pos),
      sent,
      TOL,
    );
    const latenciesS: number[] = [];
    const toProgramS: number[] = [];
    if (aligned) {
      const match = matchClicks(
        found.map((f) => f.pos),
        sent,
        aligned.offset,
        TOL,
      );
      match.forEach((j, i) => {
        if (j < 0) return;
        const f = found[i]!;
        const seg = segs[f.seg]!;
        const entered = sender.clicks[j]!.enteredAtMs;
        latenciesS.push((seg.listedAtMs - entered) / 1000);
        if (seg.pdtMs !== null)
          toProgramS.push((seg.pdtMs + (f.inSeg / SENDER_RATE) * 1000 - entered) / 1000);
      });
    }
    const health = await job.health();
    return {
      latenciesS,
      toProgramS,
      delayMs: health.delayMs,
      sent: sent.length,
      detected: found.length,
      senderStarts: sender.starts,
      worstLateMs: sender.worstLateMs,
      worstPollGapMs: watch.worstPollGapMs,
    };
  } finally {
    watch.stop();
    await sender.stop();
    await job.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const summary = (xs: number[]) =>
  `median ${fmt(median(xs))} s, p10 ${fmt(quantile(xs, 0.1))} s, p90 ${fmt(quantile(xs, 0.9))} s, ` +
  `min ${fmt(Math.min(...xs))} s, max ${fmt(Math.max(...xs))} s (n=${xs.length})`;

async function main(): Promise<void> {
  const ice = await BenchIcecast.start();
  try {
    console.log(
      `# latency: sample entering an SRT sender → playlist listing its segment; ${SHAPE.segmentSec} s segments; ` +
        `${ROUNDS} rounds × ${KINDS.join(", ")}, ${SECONDS} s of clicks each; ${new Date().toISOString()}; ` +
        `load ${loadavg()
          .map((x) => x.toFixed(2))
          .join(" ")}`,
    );
    const all = new Map<JobKind, number[]>();
    for (let r = 1; r <= ROUNDS; r++) {
      const order = KINDS.map((_, i) => KINDS[(i + r - 1) % KINDS.length]!);
      for (const kind of order) {
        const res = await runOnce(kind, ice, r);
        all.set(kind, [...(all.get(kind) ?? []), ...res.latenciesS]);
        console.log(
          `round ${r} ${kind.padEnd(10)} ${summary(res.latenciesS)}; clicks sent ${res.sent}, found ${res.detected}, ` +
            `matched ${res.latenciesS.length}; sender started ${res.senderStarts}×, chunks late ≤ ${fmt(res.worstLateMs, 1)} ms, ` +
            `playlist polls ≤ ${fmt(res.worstPollGapMs, 0)} ms apart; load ${loadavg()[0]!.toFixed(2)}`,
        );
        if (res.toProgramS.length)
          console.log(
            `  of which sender → program clock (PDT of the click): median ${fmt(median(res.toProgramS))} s; ` +
              `input delay the daemon holds (jitter target): ${fmt(res.delayMs ?? NaN, 0)} ms`,
          );
      }
    }
    console.log("");
    for (const [kind, xs] of all) console.log(`${kind.padEnd(10)} all rounds: ${summary(xs)}`);
    const a = median(all.get("antenne") ?? []);
    console.log(
      `antenne median ${fmt(a)} s: goal ≤ segmentSec/2 + 0.5 = ${fmt(GOAL_S)} s ${a <= GOAL_S ? "met" : "NOT met"}` +
        ` (SPEC §8: Liquidsoap 2.28 s)`,
    );
  } finally {
    await ice.dispose();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
