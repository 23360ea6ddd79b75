import { run } from "./proc.js";

/** Decodes anything ffmpeg reads (file, URL) to mono f32 at `rate`, bounded in time. */
export async function decodeMono(
  input: string,
  opts: { rate?: number; seconds?: number; timeoutMs?: number; extra?: string[] } = {},
): Promise<Float32Array> {
  const rate = opts.rate ?? 48000;
  const args = ["-hide_banner", "-loglevel", "error", ...(opts.extra ?? []), "-i", input];
  if (opts.seconds) args.push("-t", String(opts.seconds));
  args.push("-ac", "1", "-ar", String(rate), "-f", "f32le", "-");
  const r = await run("ffmpeg", args, { timeoutMs: opts.timeoutMs ?? 60_000 });
  const buf = r.stdout;
  const out = new Float32Array(Math.floor(buf.length / 4));
  for (let i = 0; i < out.length; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

/** Power of `freq` in `x` (Goertzel), normalised to the signal's power: ~1 for a pure tone at freq. */
export function toneShare(x: Float32Array, freq: number, rate: number): number {
  const k = (2 * Math.PI * freq) / rate;
  const coeff = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] ?? 0;
    energy += v * v;
    const s = v + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return energy > 0 ? (2 * power) / (x.length * energy) : 0;
}

/** The strongest of the candidate frequencies in a window. */
export function dominant(
  x: Float32Array,
  candidates: number[],
  rate: number,
): { freq: number; share: number } {
  let best = { freq: 0, share: 0 };
  for (const f of candidates) {
    const share = toneShare(x, f, rate);
    if (share > best.share) best = { freq: f, share };
  }
  return best;
}

/** RMS in dBFS. */
export function rmsDb(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return 10 * Math.log10(s / Math.max(1, x.length) + 1e-20);
}

/** Longest run of near-silent samples (|v| < threshold), in samples. */
export function longestSilence(x: Float32Array, threshold = 1e-3): number {
  let best = 0;
  let cur = 0;
  for (const v of x) {
    if (Math.abs(v) < threshold) best = Math.max(best, ++cur);
    else cur = 0;
  }
  return best;
}
