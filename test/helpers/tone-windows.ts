/**
 * "Disturbed audio" in a decoded program, 10 ms at a time: each window is fitted with a sine and
 * a cosine at every frequency that may be on air (least squares), and judged against what should
 * be heard there:
 * - a tone: its amplitude within 30 % of the reference, no other candidate tone above 10 % of it,
 *   and what the fit leaves (clicks, a phase jump, a concealed gap's fade, noise) below 10 %;
 * - silence: below -40 dBFS RMS (antenne's default blank threshold);
 * - anything: not judged (a transition, a crossfade);
 * - one of several of the above.
 * A window is 10 ms (480 samples at 48 kHz): a drift-steered tone (±0.2 %) moves by < 0.06 rad in
 * it, far below what the residual test notices. A skip or repeat that falls exactly between two
 * windows leaves both clean, so the tone's phase must also carry on from one window to the next
 * (within 0.3 rad: ~5 samples at 440 Hz). A skip of a whole number of periods stays invisible to
 * any tone: the two-path case measures with a signal that encodes time instead (time-signal.ts).
 */

export type Expected =
  | { kind: "tone"; freq: number }
  | { kind: "silence" }
  | { kind: "any" }
  /** Any of these (a sender that may be silent, a format change between two tones). */
  | { kind: "oneOf"; options: Expected[] };

export interface ToneFit {
  /** Amplitude of each candidate frequency (same order). */
  amps: number[];
  /** Phase φ of each: the window is ≈ A·cos(ω·i − φ), i from the window's start. */
  phases: number[];
  /** RMS of what the fit leaves. */
  residualRms: number;
  rms: number;
}

export interface Disturbance {
  /** Sample index of the window's start. */
  at: number;
  expected: Expected;
  why: string;
}

export interface WindowReport {
  windows: number;
  disturbed: Disturbance[];
}

const SILENCE_RMS = 0.01;
const AMP_TOLERANCE = 0.3;
const OTHER_MAX = 0.1;
const RESIDUAL_MAX = 0.1;
const PHASE_MAX = 0.3;

/** Least-squares fit of sines at `freqs` to x[start, start + n). */
export function fitTones(x: Float32Array, start: number, n: number, freqs: number[], rate: number): ToneFit {
  const k = freqs.length * 2;
  const A = new Float64Array(k * k);
  const b = new Float64Array(k);
  const v = new Float64Array(k);
  const w = freqs.map((f) => (2 * Math.PI * f) / rate);
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const y = x[start + i] ?? 0;
    energy += y * y;
    for (let j = 0; j < w.length; j++) {
      v[2 * j] = Math.cos(w[j]! * i);
      v[2 * j + 1] = Math.sin(w[j]! * i);
    }
    for (let r = 0; r < k; r++) {
      b[r]! += v[r]! * y;
      for (let c = 0; c < k; c++) A[r * k + c]! += v[r]! * v[c]!;
    }
  }
  const coef = solve(A, b, k);
  // Residual energy = |y|² − cᵀb for a least-squares solution.
  let explained = 0;
  for (let r = 0; r < k; r++) explained += coef[r]! * b[r]!;
  return {
    amps: freqs.map((_, j) => Math.hypot(coef[2 * j]!, coef[2 * j + 1]!)),
    phases: freqs.map((_, j) => Math.atan2(coef[2 * j + 1]!, coef[2 * j]!)),
    residualRms: Math.sqrt(Math.max(0, energy - explained) / n),
    rms: Math.sqrt(energy / n),
  };
}

/** Gaussian elimination with partial pivoting (k ≤ 8: a handful of candidate tones). */
function solve(A: Float64Array, b: Float64Array, k: number): Float64Array {
  const m = Float64Array.from(A);
  const y = Float64Array.from(b);
  for (let col = 0; col < k; col++) {
    let p = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(m[r * k + col]!) > Math.abs(m[p * k + col]!)) p = r;
    for (let j = 0; j < k; j++) [m[col * k + j], m[p * k + j]] = [m[p * k + j]!, m[col * k + j]!];
    [y[col], y[p]] = [y[p]!, y[col]!];
    const d = m[col * k + col]! || 1e-12;
    for (let r = col + 1; r < k; r++) {
      const f = m[r * k + col]! / d;
      for (let j = col; j < k; j++) m[r * k + j]! -= f * m[col * k + j]!;
      y[r]! -= f * y[col]!;
    }
  }
  const out = new Float64Array(k);
  for (let r = k - 1; r >= 0; r--) {
    let s = y[r]!;
    for (let j = r + 1; j < k; j++) s -= m[r * k + j]! * out[j]!;
    out[r] = s / (m[r * k + r]! || 1e-12);
  }
  return out;
}

/** Why one window is disturbed, or null when it is what was expected. */
export function judgeWindow(
  fit: ToneFit,
  freqs: number[],
  expected: Expected,
  refAmpOf: (freq: number) => number,
): string | null {
  if (expected.kind === "any") return null;
  if (expected.kind === "oneOf") {
    const whys = expected.options.map((e) => judgeWindow(fit, freqs, e, refAmpOf));
    return whys.some((w) => w === null) ? null : whys.join("; ");
  }
  if (expected.kind === "silence")
    return fit.rms < SILENCE_RMS ? null : `not silent (RMS ${fit.rms.toFixed(4)})`;
  const i = freqs.indexOf(expected.freq);
  const amp = fit.amps[i] ?? 0;
  const refAmp = refAmpOf(expected.freq);
  if (Math.abs(amp - refAmp) > AMP_TOLERANCE * refAmp)
    return `${expected.freq} Hz at ${amp.toFixed(3)} (expected ${refAmp.toFixed(3)})`;
  for (let j = 0; j < freqs.length; j++)
    if (j !== i && fit.amps[j]! > OTHER_MAX * refAmp)
      return `${freqs[j]} Hz heard (${fit.amps[j]!.toFixed(3)})`;
  if (fit.residualRms > RESIDUAL_MAX * refAmp) return `residual ${fit.residualRms.toFixed(4)}`;
  return null;
}

/**
 * Every 10 ms window of x[from, to) judged against `expectedAt(windowStart)`; `freqs` are every
 * tone that may be on air, `refAmpOf` the amplitude each has in this program.
 */
export function disturbedWindows(
  x: Float32Array,
  from: number,
  to: number,
  freqs: number[],
  expectedAt: (i: number) => Expected,
  refAmpOf: (freq: number) => number,
  rate = 48000,
): WindowReport {
  const n = Math.round(rate / 100);
  const disturbed: Disturbance[] = [];
  let windows = 0;
  let prev = null as { fit: ToneFit; expected: Expected; clean: boolean } | null;
  for (let s = Math.max(0, from); s + n <= Math.min(to, x.length); s += n) {
    const expected = expectedAt(s);
    const fit = fitTones(x, s, n, freqs, rate);
    windows++;
    const why: string | null =
      judgeWindow(fit, freqs, expected, refAmpOf) ??
      (prev?.clean ? phaseBreak(prev, fit, expected, freqs, n, rate) : null);
    if (why) disturbed.push({ at: s, expected, why });
    prev = { fit, expected, clean: why === null };
  }
  return { windows, disturbed };
}

/** The tone both windows should carry did not carry on from one to the next (a skip, a repeat). */
function phaseBreak(
  prev: { fit: ToneFit; expected: Expected },
  fit: ToneFit,
  expected: Expected,
  freqs: number[],
  n: number,
  rate: number,
): string | null {
  const dominant = (f: ToneFit) => f.amps.indexOf(Math.max(...f.amps));
  const j = dominant(fit);
  if (expected.kind === "any" || prev.expected.kind === "any" || dominant(prev.fit) !== j) return null;
  if (fit.amps[j]! < 0.02 || prev.fit.amps[j]! < 0.02) return null;
  const w = (2 * Math.PI * freqs[j]!) / rate;
  let d = fit.phases[j]! - (prev.fit.phases[j]! - w * n);
  d = Math.atan2(Math.sin(d), Math.cos(d));
  return Math.abs(d) > PHASE_MAX ? `${freqs[j]} Hz phase jumps ${d.toFixed(2)} rad` : null;
}

/** Median amplitude of `freq` over 10 ms windows of x[from, to): the tone's level in this program. */
export function medianAmp(
  x: Float32Array,
  from: number,
  to: number,
  freqs: number[],
  freq: number,
  rate = 48000,
): number {
  const n = Math.round(rate / 100);
  const i = freqs.indexOf(freq);
  const a: number[] = [];
  for (let s = Math.max(0, from); s + n <= Math.min(to, x.length); s += n)
    a.push(fitTones(x, s, n, freqs, rate).amps[i]!);
  a.sort((p, q) => p - q);
  return a[Math.floor(a.length / 2)] ?? 0;
}

/** The candidate tone heard in x[start, start + 10 ms) (the strongest above -24 dBFS), or null. */
export function dominantTone(x: Float32Array, start: number, freqs: number[], rate = 48000): number | null {
  const f = fitTones(x, start, Math.round(rate / 100), freqs, rate);
  const top = f.amps.indexOf(Math.max(...f.amps));
  return f.amps[top]! > 0.06 ? freqs[top]! : null;
}
