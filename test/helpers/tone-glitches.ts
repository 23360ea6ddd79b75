/**
 * Judges what a listener heard of a steady sine: the recording is cut into 10 ms windows and
 * each is fitted with a sine at the known frequency (least squares, free phase). A window is
 * disturbed when the fit leaves more than `maxResidual` of the tone's energy unexplained (a
 * phase jump, a click, a splice of two encoders that do not line up) or when the tone's level
 * is off by more than `maxLevelDb` from its median (a gap, a drop-out).
 */

export interface GlitchReport {
  windows: number;
  disturbed: number;
  /** Sample index of every disturbed window's start. */
  at: number[];
  medianAmp: number;
}

export interface GlitchOptions {
  rate: number;
  freq: number;
  windowMs?: number;
  maxResidual?: number;
  maxLevelDb?: number;
}

/** Amplitude and residual energy ratio of the best sine at `freq` over x[start, start+n). */
export function sineFit(x: Float32Array, start: number, n: number, freq: number, rate: number) {
  const w = (2 * Math.PI * freq) / rate;
  let cc = 0;
  let ss = 0;
  let cs = 0;
  let xc = 0;
  let xs = 0;
  let xx = 0;
  for (let i = 0; i < n; i++) {
    const v = x[start + i] ?? 0;
    const c = Math.cos(w * i);
    const s = Math.sin(w * i);
    cc += c * c;
    ss += s * s;
    cs += c * s;
    xc += v * c;
    xs += v * s;
    xx += v * v;
  }
  const det = cc * ss - cs * cs || 1e-12;
  const a = (xc * ss - xs * cs) / det;
  const b = (xs * cc - xc * cs) / det;
  const fitted = a * xc + b * xs; // energy explained by the projection
  const amp = Math.hypot(a, b);
  return { amp, residual: fitted > 0 ? Math.max(0, xx - fitted) / fitted : 1 };
}

export function disturbedWindows(pcm: Float32Array, o: GlitchOptions): GlitchReport {
  const n = Math.round((o.rate * (o.windowMs ?? 10)) / 1000);
  const fits: { at: number; amp: number; residual: number }[] = [];
  for (let at = 0; at + n <= pcm.length; at += n) fits.push({ at, ...sineFit(pcm, at, n, o.freq, o.rate) });
  const amps = fits.map((f) => f.amp).sort((p, q) => p - q);
  const medianAmp = amps[Math.floor(amps.length / 2)] ?? 0;
  const maxDb = o.maxLevelDb ?? 3;
  const bad = fits.filter(
    (f) =>
      f.residual > (o.maxResidual ?? 0.01) ||
      Math.abs(20 * Math.log10((f.amp + 1e-12) / (medianAmp + 1e-12))) > maxDb,
  );
  return { windows: fits.length, disturbed: bad.length, at: bad.map((f) => f.at), medianAmp };
}
