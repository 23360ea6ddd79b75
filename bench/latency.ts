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
 * Clicks run from the moment the first input is on air for BENCH_SETTLE + BENCH_SECONDS; the
 * figures are given for the first minute after the sender connected and for the last
 * BENCH_SECONDS (the settled state a channel spends its days in).
 *
 * Two senders (BENCH_SENDERS): `stock` as above, and `muxdelay0`, the same ffmpeg with
 * `-muxdelay 0` — a contribution encoder that declares no MPEG-TS buffering (PTS − PCR ≈ 0) and
 * sends each audio frame at once, as low-delay hardware encoders do. The stock muxer declares
 * ~0.7 s and may hold audio that long; antenne honours what the stream declares (docs/design.md,
 * "Why the declared delay"), so the second sender shows what antenne itself adds.
 *
 *   node dist/bench/latency.js      env: BENCH_SETTLE=540 BENCH_SECONDS=60 BENCH_ROUNDS=1
 *                                        BENCH_JOBS=antenne,liquidsoap (floor also possible)
 *                                        BENCH_SENDERS=stock,muxdelay0 BENCH_TRACE=1 (every click)
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
import { PcmSender, type SentClick } from "./lib/pcm-sender.js";
import { PlaylistWatch, type Listed } from "./lib/playlist-watch.js";
import { installed } from "./lib/reference.js";
import { SENDER_RATE } from "./lib/senders.js";
import { inputLabels, type JobPlan, type Shape } from "./lib/shape.js";
import { fmt, median, quantile } from "./lib/stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
/**
 * How long the sender runs before the clicks that give the settled figure: a daemon's input
 * delay adapts to its sender (antenne holds the worst arrival lateness of the last 60 s, which
 * includes the burst a sender sends when it connects, and then shrinks it slowly, by ≤ 0.1 %
 * resampling, so that nobody hears it). Clicks run the whole time; both phases are reported.
 */
const SETTLE = Number(process.env.BENCH_SETTLE ?? 540);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const KINDS = parseKinds(process.env.BENCH_JOBS ?? "antenne,liquidsoap").filter(
  (k) => k !== "liquidsoap" || installed("liquidsoap"),
);
const SENDERS: Record<string, readonly string[]> = { stock: [], muxdelay0: ["-muxdelay", "0"] };
const SENDER_NAMES = (process.env.BENCH_SENDERS ?? "stock,muxdelay0").split(",").map((n) => {
  if (!(n in SENDERS))
    throw new Error(`BENCH_SENDERS: unknown sender ${n} (${Object.keys(SENDERS).join(", ")})`);
  return n;
});
const SHAPE: Shape = { name: "latency job", inputs: 2, fed: 1, segmentSec: 2, icecast: true };
const GOAL_S = SHAPE.segmentSec / 2 + 0.5;
const LIFETIME_MS = (SETTLE + SECONDS + 150) * 1000;
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

/** One matched click. */
interface Click {
  /** When it entered the sender, s after the clicks began. */
  atS: number;
  latencyS: number;
  /** Where the playlist carries PROGRAM-DATE-TIME: sender → the click's place on the program clock. */
  toProgramS: number | null;
}

interface RunLatency {
  clicks: Click[];
  /** The job's own account of the input's delay at the end (antenne: its jitter target), ms. */
  delayMs: number | undefined;
  bufferedMs: number | undefined;
  sent: number;
  detected: number;
  senderStarts: number;
  worstLateMs: number;
  worstPollGapMs: number;
}

/** Decodes the segments, finds the clicks, matches them to those sent and times each. */
async function timeClicks(
  segs: Listed[],
  sent: SentClick[],
  clicksFromMs: number,
): Promise<{ clicks: Click[]; detected: number }> {
  const found = await findClicks(segs);
  const pos = found.map((f) => f.pos);
  const sentPos = sent.map((c) => c.position);
  const aligned = alignOffset(pos, sentPos, TOL);
  if (!aligned) return { clicks: [], detected: found.length };
  const clicks: Click[] = [];
  matchClicks(pos, sentPos, aligned.offset, TOL).forEach((j, i) => {
    if (j < 0) return;
    const f = found[i]!;
    const seg = segs[f.seg]!;
    const entered = sent[j]!.enteredAtMs;
    clicks.push({
      atS: (entered - clicksFromMs) / 1000,
      latencyS: (seg.listedAtMs - entered) / 1000,
      toProgramS: seg.pdtMs === null ? null : (seg.pdtMs + (f.inSeg / SENDER_RATE) * 1000 - entered) / 1000,
    });
  });
  return { clicks, detected: found.length };
}

async function runOnce(
  kind: JobKind,
  senderName: string,
  ice: BenchIcecast,
  round: number,
): Promise<RunLatency> {
  const dir = mkdtempSync(join(tmpdir(), `antenne-bench-latency-${kind}-`));
  const copies = join(dir, "copies");
  mkdirSync(copies);
  const ports = await Promise.all([freeUdpPort(), freeUdpPort()]);
  const plan: JobPlan = { shape: SHAPE, ports, dir, tag: `lat-${kind}-${round}`, ice };
  const job = await startJob(kind, plan, LIFETIME_MS);
  const signal = new ClickSignal(SENDER_RATE, seededRandom(round));
  const sender = new PcmSender(signal, ports[0]!, LIFETIME_MS, SENDERS[senderName]).start();
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
    const from = watch.listed.length;
    const clicksFromMs = Date.now();
    signal.startClicks();
    await sleep((SETTLE + SECONDS) * 1000);
    signal.stopClicks();
    // Until the last click's segment is surely listed.
    await sleep((2 * SHAPE.segmentSec + 5) * 1000);
    const health = await job.health();
    const { clicks, detected } = await timeClicks(watch.listed.slice(from), sender.clicks, clicksFromMs);
    return {
      clicks,
      delayMs: health.delayMs,
      bufferedMs: health.bufferedMs,
      sent: sender.clicks.length,
      detected,
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

/** The first minute after the sender connected, and the last SECONDS after SETTLE s. */
const PHASES = [
  { name: "first minute after connecting", pick: (c: Click) => c.atS < 60 },
  { name: `after ${SETTLE} s on air`, pick: (c: Click) => c.atS >= SETTLE },
];

/** BENCH_TRACE=1: every matched click (when it entered, its latency, sender → program clock). */
const TRACE = process.env.BENCH_TRACE === "1";

function logRun(r: number, run: string, res: RunLatency): void {
  if (TRACE)
    for (const c of res.clicks)
      console.log(
        `  click at ${fmt(c.atS, 1)} s: latency ${fmt(c.latencyS)} s, to program ${fmt(c.toProgramS ?? NaN)} s`,
      );
  console.log(
    `round ${r} ${run}: clicks sent ${res.sent}, found ${res.detected}, matched ${res.clicks.length}; ` +
      `sender started ${res.senderStarts}×, chunks late ≤ ${fmt(res.worstLateMs, 1)} ms, ` +
      `playlist polls ≤ ${fmt(res.worstPollGapMs, 0)} ms apart; load ${loadavg()[0]!.toFixed(2)}` +
      (res.delayMs === undefined ? "" : `; jitter target at the end ${fmt(res.delayMs, 0)} ms`) +
      (res.bufferedMs === undefined
        ? ""
        : `, buffered ahead of the read position ${fmt(res.bufferedMs, 0)} ms`),
  );
  for (const ph of PHASES) {
    const cs = res.clicks.filter(ph.pick);
    const prog = cs.flatMap((c) => (c.toProgramS === null ? [] : [c.toProgramS]));
    console.log(
      `  ${ph.name.padEnd(30)} ${summary(cs.map((c) => c.latencyS))}` +
        (prog.length ? `; sender → program clock (PDT) median ${fmt(median(prog))} s` : ""),
    );
  }
}

async function main(): Promise<void> {
  const ice = await BenchIcecast.start();
  try {
    console.log(
      `# latency: sample entering an SRT sender → playlist listing its segment; ${SHAPE.segmentSec} s segments; ` +
        `${ROUNDS} rounds × ${KINDS.join(", ")} × senders ${SENDER_NAMES.join(", ")}, clicks for ${SETTLE} + ${SECONDS} s each; ${new Date().toISOString()}; ` +
        `load ${loadavg()
          .map((x) => x.toFixed(2))
          .join(" ")}`,
    );
    const all = new Map<string, Click[]>();
    for (let r = 1; r <= ROUNDS; r++) {
      const order = KINDS.map((_, i) => KINDS[(i + r - 1) % KINDS.length]!);
      for (const senderName of SENDER_NAMES)
        for (const kind of order) {
          const run = `${kind}/${senderName}`;
          const res = await runOnce(kind, senderName, ice, r);
          all.set(run, [...(all.get(run) ?? []), ...res.clicks]);
          logRun(r, run, res);
        }
    }
    console.log("");
    for (const [run, cs] of all)
      for (const ph of PHASES)
        console.log(
          `${run.padEnd(20)} ${ph.name.padEnd(30)} ${summary(cs.filter(ph.pick).map((c) => c.latencyS))}`,
        );
    for (const senderName of SENDER_NAMES) {
      const cs = all.get(`antenne/${senderName}`);
      if (!cs) continue;
      const a = median(cs.filter(PHASES[1]!.pick).map((c) => c.latencyS));
      console.log(
        `antenne, sender ${senderName}, median (${PHASES[1]!.name}) ${fmt(a)} s: goal ≤ segmentSec/2 + 0.5 = ` +
          `${fmt(GOAL_S)} s ${a <= GOAL_S ? "met" : "NOT met"} (SPEC §8: Liquidsoap 2.28 s)`,
      );
    }
  } finally {
    await ice.dispose();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
