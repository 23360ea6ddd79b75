/**
 * Decoded sample formats to interleaved Float32 (the program's PCM). Pure: the planes come in
 * one ArrayBuffer, plane k at byte k * planeStride (a JS copy of libav's frame, or test data);
 * the result is a fresh array.
 */
import { AV_SAMPLE_FMT } from "./libav.js";

type Sampler = {
  bytes: number;
  planar: boolean;
  read: (b: ArrayBuffer, offset: number, n: number) => ArrayLike<number>;
};

const S16_SCALE = 1 / 32768;
const S32_SCALE = 1 / 2147483648;

const FORMATS = new Map<number, Sampler & { scale: number }>([
  [AV_SAMPLE_FMT.FLT, { bytes: 4, planar: false, scale: 1, read: (b, o, n) => new Float32Array(b, o, n) }],
  [AV_SAMPLE_FMT.FLTP, { bytes: 4, planar: true, scale: 1, read: (b, o, n) => new Float32Array(b, o, n) }],
  [
    AV_SAMPLE_FMT.S16,
    { bytes: 2, planar: false, scale: S16_SCALE, read: (b, o, n) => new Int16Array(b, o, n) },
  ],
  [
    AV_SAMPLE_FMT.S16P,
    { bytes: 2, planar: true, scale: S16_SCALE, read: (b, o, n) => new Int16Array(b, o, n) },
  ],
  [
    AV_SAMPLE_FMT.S32,
    { bytes: 4, planar: false, scale: S32_SCALE, read: (b, o, n) => new Int32Array(b, o, n) },
  ],
  [
    AV_SAMPLE_FMT.S32P,
    { bytes: 4, planar: true, scale: S32_SCALE, read: (b, o, n) => new Int32Array(b, o, n) },
  ],
  [AV_SAMPLE_FMT.DBL, { bytes: 8, planar: false, scale: 1, read: (b, o, n) => new Float64Array(b, o, n) }],
  [AV_SAMPLE_FMT.DBLP, { bytes: 8, planar: true, scale: 1, read: (b, o, n) => new Float64Array(b, o, n) }],
]);

export function isSupportedFormat(format: number): boolean {
  return FORMATS.has(format);
}

/** Bytes each plane must hold for `samples` samples of `channels` channels. */
export function planeBytes(format: number, samples: number, channels: number): number {
  const f = FORMATS.get(format);
  if (!f) return 0;
  return f.bytes * samples * (f.planar ? 1 : channels);
}

/** How many planes a frame of this format has. */
export function planeCount(format: number, channels: number): number {
  return FORMATS.get(format)?.planar ? channels : 1;
}

/**
 * Interleaved Float32 from the planes of one frame: `planeCount()` planes of `planeBytes()`
 * each, plane k at byte k * planeStride of `buffer`. Throws on an unsupported format (callers
 * check first).
 */
export function toInterleavedFloat(
  format: number,
  buffer: ArrayBuffer,
  planeStride: number,
  samples: number,
  channels: number,
): Float32Array {
  const f = FORMATS.get(format);
  if (!f) throw new Error(`unsupported sample format ${format}`);
  const out = new Float32Array(samples * channels);
  if (!f.planar) {
    const src = f.read(buffer, 0, samples * channels);
    if (src instanceof Float32Array) {
      out.set(src);
      return out;
    }
    for (let i = 0; i < out.length; i++) out[i] = src[i]! * f.scale;
    return out;
  }
  for (let ch = 0; ch < channels; ch++) {
    const src = f.read(buffer, ch * planeStride, samples);
    for (let i = 0, o = ch; i < samples; i++, o += channels) out[o] = src[i]! * f.scale;
  }
  return out;
}
