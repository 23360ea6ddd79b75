/**
 * Synthetic timelines for the input timing model's tests: senders that are smooth, bursty, lossy,
 * fast or slow, run through the program loop (60 ms ticks, 20 ms frames). The audio is a ramp that
 * encodes its own input position (cubic interpolation reproduces a straight line exactly), so every
 * program sample says which input sample it played: repeats, skips and shifts are measured to the
 * sample.
 */
import { silentLogger } from "../../src/log.js";
import { Playout } from "../../src/engine/timeline/playout.js";
import { TimedSource } from "../../src/engine/timeline/timed-source.js";

export const RATE = 48000;
export const FRAME = 960;
export const TICK_FRAMES = 3;
/** The ramp's period: positions mod this, scaled to [0, 1). */
export const RAMP = 2 ** 20;

export interface Sender {
  /** Sender clock: input samples produced per program sample. */
  rate: number;
  /** Samples per chunk the sender emits. */
  chunk: number;
  /** Arrival delay of a chunk after its last sample was made, in samples (≥ min). */
  delay: (k: number) => number;
  /** Chunks dropped on the way. */
  lost?: (k: number) => boolean;
  /** Input position of the first sample (a sender's PTS origin). */
  t0?: number;
  /** Added to the positions the sender stamps, not to its content (another PTS epoch). */
  label?: number;
}

export interface Arrival {
  pArr: number;
  t: number;
  pcm: Float32Array;
}

export function arrivals(s: Sender, fromP: number, toP: number): Arrival[] {
  const out: Arrival[] = [];
  const t0 = s.t0 ?? 0;
  // SRT delivers in order: a chunk never overtakes the one before it.
  let last = -Infinity;
  for (let k = 0; ; k++) {
    const tEnd = (k + 1) * s.chunk;
    const made = fromP + tEnd / s.rate;
    if (made > toP) break;
    if (s.lost?.(k)) continue;
    const pcm = new Float32Array(s.chunk);
    for (let i = 0; i < s.chunk; i++) pcm[i] = ((t0 + k * s.chunk + i) % RAMP) / RAMP;
    last = Math.max(last, made + s.delay(k));
    out.push({ pArr: last, t: t0 + k * s.chunk + (s.label ?? 0), pcm });
  }
  return out;
}

export interface Run {
  /** Input position each program sample played (NaN where the input was dry). */
  played: Float64Array;
  dryFrames: number;
  firstWholeP: number | null;
}

/**
 * Runs mono inputs through the program loop (60 ms ticks, 20 ms frames); the timeline is on air
 * from `onAirFromSec` (a listener hears it: the playout must not jump any more).
 */
export function run(
  sources: { src: TimedSource; arrivals: Arrival[] }[],
  seconds: number,
  onAirFromSec = 3,
): Run[] {
  const startP = 0;
  const tick = FRAME * TICK_FRAMES;
  const total = Math.floor((seconds * RATE) / tick) * tick;
  const runs = sources.map(() => ({
    played: new Float64Array(total).fill(NaN),
    dryFrames: 0,
    firstWholeP: null as number | null,
  }));
  const next = sources.map(() => 0);
  const buf = new Float32Array(FRAME);
  for (let p = startP; p + FRAME * TICK_FRAMES <= startP + total; p += FRAME * TICK_FRAMES) {
    const tickP = p + FRAME * TICK_FRAMES;
    ON_AIR.value = p >= onAirFromSec * RATE;
    sources.forEach(({ src, arrivals: list }, i) => {
      while (next[i]! < list.length && list[next[i]!]!.pArr <= tickP) {
        const a = list[next[i]!++]!;
        src.write(a.t, a.pcm, tickP, (tickP / RATE) * 1000);
      }
    });
    for (let f = 0; f < TICK_FRAMES; f++) {
      const fp = p + f * FRAME;
      sources.forEach(({ src }, i) => {
        const n = src.read(buf, FRAME, fp);
        const r = runs[i]!;
        if (n < FRAME) r.dryFrames++;
        else r.firstWholeP ??= fp;
        for (let k = 0; k < n; k++) r.played[fp - startP + k] = buf[k]! * RAMP;
      });
    }
  }
  return runs;
}

/** Whether the timeline under test is on air (set by run()). */
export const ON_AIR = { value: false };

export function playout(minMs = 300, maxMs = 2000): Playout {
  return new Playout({
    id: "test",
    sampleRate: RATE,
    minDelayMs: minMs,
    maxDelayMs: maxMs,
    onAir: () => ON_AIR.value,
    log: silentLogger(),
  });
}

export function source(id: string, p: Playout): TimedSource {
  const s = new TimedSource({ id, sampleRate: RATE, channels: 1, playout: p });
  s.restart(true);
  return s;
}

/**
 * How the played positions advance over windows of W samples, from `fromSec` on: W × (1 ± drift)
 * when the play is continuous; a skip or a repeat shows as a window off by its length. (Float32
 * ramp values carry 1/16 sample of precision: windows, not single steps.)
 */
export function steps(r: Run, fromSec: number, w = 4800): { min: number; max: number; holes: number } {
  let min = Infinity;
  let max = -Infinity;
  let holes = 0;
  for (let i = fromSec * RATE; i < r.played.length; i++) if (Number.isNaN(r.played[i]!)) holes++;
  for (let i = fromSec * RATE; i + w < r.played.length; i += 97) {
    const a = r.played[i]!;
    const b = r.played[i + w]!;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    // Interpolation across the ramp's wrap is meaningless: windows that cross it are skipped.
    if (b < a || a < 8 || b > RAMP - 8) continue;
    min = Math.min(min, (b - a) / w);
    max = Math.max(max, (b - a) / w);
  }
  return { min, max, holes };
}
