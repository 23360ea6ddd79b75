/**
 * A signal that encodes time, and the measure of how a program plays it. The reference is seeded
 * noise, band-limited to 150 Hz – 3 kHz (well inside what AAC keeps at any bitrate) at about
 * -20 dBFS RMS: unlike a tone or a staircase, every 20 ms of it is unique, so correlating a
 * stretch of the decoded program with the reference says WHICH reference sample it is, to a
 * fraction of a sample (parabolic interpolation of the correlation peak).
 *
 * The lag of program sample n is L(n) = (reference index it plays) − n. Playing on, it changes
 * only by the playout's rate steering (≤ 0.2 %, a straight line over a second); a repeat of k
 * samples lowers it by k, a skip raises it by k. `jumpAt` fits a line to L on each side of a
 * switch (leaving out the crossfade around it) and reports the step between them at the switch.
 */
import { writeFileSync } from "node:fs";
import { seededRandom } from "./random.js";

export interface LagPoint {
  /** Program sample index of the window's start. */
  at: number;
  lag: number;
  /** Normalised correlation at the peak (1 = identical up to gain). */
  rho: number;
}

export interface Jump {
  /** L(after) − L(before) at the switch, samples: > 0 skipped, < 0 repeated. */
  samples: number;
  ms: number;
  before: LagPoint[];
  after: LagPoint[];
  /** The worst window's correlation on either side. */
  rhoMin: number;
  /** Slope of L before and after, ppm: the playout's rate steering (0 = played at 1:1). */
  steeringPpm: [number, number];
}

const WIN = 960; // 20 ms at 48 kHz
const DECIMATE = 8;
const RELOCK = 12000;

/** Seeded band-limited noise (two biquads: high-pass 150 Hz, low-pass 3 kHz), about -20 dBFS RMS. */
export function noiseReference(seconds: number, rate: number, seed: number): Float32Array {
  const rnd = seededRandom(seed);
  const n = Math.round(seconds * rate);
  const hp = biquad("hp", 150, rate);
  const lp = biquad("lp", 3000, rate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lp(hp(rnd() * 2 - 1));
  let e = 0;
  for (const v of out) e += v * v;
  const gain = 0.1 / Math.sqrt(e / n);
  for (let i = 0; i < n; i++) out[i] = Math.max(-0.99, Math.min(0.99, out[i]! * gain));
  return out;
}

/** RBJ cookbook biquad (Q = 1/√2), as a per-sample function. */
function biquad(kind: "lp" | "hp", f: number, rate: number): (x: number) => number {
  const w = (2 * Math.PI * f) / rate;
  const alpha = Math.sin(w) / Math.SQRT2;
  const c = Math.cos(w);
  const b1 = kind === "lp" ? 1 - c : -(1 + c);
  const b0 = kind === "lp" ? b1 / 2 : -b1 / 2;
  const a0 = 1 + alpha;
  const [nb0, nb1, na1, na2] = [b0 / a0, b1 / a0, (-2 * c) / a0, (1 - alpha) / a0];
  let [x1, x2, y1, y2] = [0, 0, 0, 0];
  return (x) => {
    const y = nb0 * x + nb1 * x1 + nb0 * x2 - na1 * y1 - na2 * y2;
    [x2, x1, y2, y1] = [x1, x, y1, y];
    return y;
  };
}

/** Mono 16-bit PCM WAV. */
export function writeWav(path: string, pcm: Float32Array, rate: number): void {
  const data = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) data.writeInt16LE(Math.round(pcm[i]! * 32767), i * 2);
  const h = Buffer.alloc(44);
  h.write("RIFF", 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write("WAVEfmt ", 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36);
  h.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([h, data]));
}

/** Normalised correlation of y[at, at+n) with ref[at+lag, at+lag+n) (0 outside the reference). */
function rhoAt(y: Float32Array, ref: Float32Array, at: number, lag: number, n: number): number {
  let xy = 0;
  let xx = 0;
  let rr = 0;
  for (let i = 0; i < n; i++) {
    const a = y[at + i] ?? 0;
    const b = ref[at + lag + i] ?? 0;
    xy += a * b;
    xx += a * a;
    rr += b * b;
  }
  return xx > 0 && rr > 0 ? xy / Math.sqrt(xx * rr) : 0;
}

/** Box-averaged by DECIMATE (the signal is below 3 kHz: enough for a coarse search). */
function decimate(x: Float32Array, from: number, n: number): Float32Array {
  const out = new Float32Array(Math.floor(n / DECIMATE));
  for (let k = 0; k < out.length; k++) {
    let s = 0;
    for (let j = 0; j < DECIMATE; j++) s += x[from + k * DECIMATE + j] ?? 0;
    out[k] = s / DECIMATE;
  }
  return out;
}

/** The lag of the window at `at`, searched over ±radius samples around `guess` (coarse, then fine). */
export function findLag(
  y: Float32Array,
  ref: Float32Array,
  at: number,
  guess: number,
  radius: number,
): LagPoint {
  const n = WIN * 4;
  const yd = decimate(y, at, n);
  const rd = decimate(ref, at + guess - radius, n + 2 * radius + DECIMATE);
  let best = { k: 0, r: -Infinity };
  for (let k = 0; k + yd.length <= rd.length; k++) {
    const r = rhoAt(yd, rd, 0, k, yd.length);
    if (r > best.r) best = { k, r };
  }
  return refineLag(y, ref, at, guess - radius + best.k * DECIMATE, DECIMATE * 2);
}

/** Sample-exact search ±radius around `guess`, then the peak interpolated by a parabola. */
export function refineLag(
  y: Float32Array,
  ref: Float32Array,
  at: number,
  guess: number,
  radius: number,
): LagPoint {
  let best = { lag: guess, r: -Infinity };
  const r = new Map<number, number>();
  for (let lag = guess - radius; lag <= guess + radius; lag++) {
    const v = rhoAt(y, ref, at, lag, WIN);
    r.set(lag, v);
    if (v > best.r) best = { lag, r: v };
  }
  const a = r.get(best.lag - 1) ?? rhoAt(y, ref, at, best.lag - 1, WIN);
  const c = r.get(best.lag + 1) ?? rhoAt(y, ref, at, best.lag + 1, WIN);
  const den = a - 2 * best.r + c;
  const frac = den < 0 ? (0.5 * (a - c)) / den : 0;
  return { at, lag: best.lag + Math.max(-0.5, Math.min(0.5, frac)), rho: best.r };
}

/** Lags of consecutive windows over y[from, to), each searched near the previous one. */
export function trackLag(
  y: Float32Array,
  ref: Float32Array,
  from: number,
  to: number,
  guess: number,
  radius: number,
): LagPoint[] {
  const out: LagPoint[] = [];
  let p = findLag(y, ref, from, guess, radius);
  for (let at = from; at + WIN <= to; at += WIN) {
    p = at === from ? p : refineLag(y, ref, at, Math.round(p.lag), 4);
    // Lost (a jump, a gap): search again, within a quarter second (a wider search per window
    // would make a long dropout cost minutes).
    if (p.rho < 0.5) p = findLag(y, ref, at, Math.round(p.lag), Math.min(radius, RELOCK));
    out.push(p);
  }
  return out;
}

/** Least-squares line through the points, evaluated at `x`. */
function lineAt(points: LagPoint[], x: number): number {
  const mx = points.reduce((s, p) => s + p.at, 0) / points.length;
  const my = points.reduce((s, p) => s + p.lag, 0) / points.length;
  return my + slopeOf(points) * (x - mx);
}

/** Slope of the least-squares line through the points (lag samples per program sample). */
function slopeOf(points: LagPoint[]): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.at, 0) / n;
  const my = points.reduce((s, p) => s + p.lag, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.at - mx) * (p.lag - my);
    sxx += (p.at - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

export interface JumpOptions {
  rate?: number;
  /** Left out before the switch sample (the mapping's slack). */
  guardBeforeMs?: number;
  /** Left out after it (a crossfade mixes both sides). */
  guardAfterMs?: number;
  spanMs?: number;
  radius?: number;
}

/**
 * The step in L at program sample `at` (a switch): lines through L over [at − span, at − guard)
 * and [at + guard, at + span), `guess` the lag before the switch (±radius). Evaluated AT the
 * switch, so a change of rate steering there does not read as a step.
 */
export function jumpAt(
  y: Float32Array,
  ref: Float32Array,
  at: number,
  guess: number,
  o: JumpOptions = {},
): Jump {
  const rate = o.rate ?? 48000;
  const ms = (x: number) => Math.round((x / 1000) * rate);
  const span = ms(o.spanMs ?? 500);
  const radius = o.radius ?? ms(500);
  const before = trackLag(y, ref, at - span, at - ms(o.guardBeforeMs ?? 10), guess, radius);
  const after = trackLag(
    y,
    ref,
    at + ms(o.guardAfterMs ?? 10),
    at + span,
    Math.round(before.at(-1)!.lag),
    radius,
  );
  const samples = lineAt(after, at) - lineAt(before, at);
  const rhoMin = Math.min(...before.map((p) => p.rho), ...after.map((p) => p.rho));
  const ppm = (p: LagPoint[]) => slopeOf(p) * 1e6;
  return {
    samples,
    ms: (samples / rate) * 1000,
    before,
    after,
    rhoMin,
    steeringPpm: [ppm(before), ppm(after)],
  };
}
