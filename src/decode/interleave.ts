/**
 * Decoded sample formats to interleaved Float32 (the program's PCM). Pure: planes come in as
 * ArrayBuffers (views of libav's frame, or test data), the result is a fresh array.
 */
import { AV_SAMPLE_FMT } from "./libav.js";

type Sampler = { bytes: number; planar: boolean; read: (b: ArrayBuffer, n: number) => ArrayLike<number> };

const S16_SCALE = 1 / 32768;
const S32_SCALE = 1 / 2147483648;

const FORMATS = new Map<number, Sampler & { scale: number }>([
  [AV_SAMPLE_FMT.FLT, { bytes: 4, planar: false, scale: 1, read: (b, n) => new Float32Array(b, 0, n) }],
  [AV_SAMPLE_FMT.FLTP, { bytes: 4, planar: true, scale: 1, read: (b, n) => new Float32Array(b, 0, n) }],
  [AV_SAMPLE_FMT.S16, { bytes: 2, planar: false, scale: S16_SCALE, read: (b, n) => new Int16Array(b, 0, n) }],
  [AV_SAMPLE_FMT.S16P, { bytes: 2, planar: true, scale: S16_SCALE, read: (b, n) => new Int16Array(b, 0, n) }],
  [AV_SAMPLE_FMT.S32, { bytes: 4, planar: false, scale: S32_SCALE, read: (b, n) => new Int32Array(b, 0, n) }],
  [AV_SAMPLE_FMT.S32P, { bytes: 4, planar: true, scale: S32_SCALE, read: (b, n) => new Int32Array(b, 0, n) }],
  [AV_SAMPLE_FMT.DBL, { bytes: 8, planar: false, scale: 1, read: (b, n) => new Float64Array(b, 0, n) }],
  [AV_SAMPLE_FMT.DBLP, { bytes: 8, planar: true, scale: 1, read: (b, n) => new Float64Array(b, 0, n) }],
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
 * Interleaved Float32 from the planes of one frame. `planes` holds `planeCount()` buffers of at
 * least `planeBytes()` each. Throws on an unsupported format (callers check first).
 */
export function toInterleavedFloat(
  format: number,
  planes: ArrayBuffer[],
  samples: number,
  channels: number,
): Float32Array {
  const f = FORMATS.get(format);
  if (!f) throw new Error(`unsupported sample format ${format}`);
  const out = new Float32Array(samples * channels);
  if (!f.planar) {
    const src = f.read(planes[0]!, samples * channels);
    if (src instanceof Float32Array) {
      out.set(src);
      return out;
    }
    for (let i = 0; i < out.length; i++) out[i] = src[i]! * f.scale;
    return out;
  }
  for (let ch = 0; ch < channels; ch++) {
    const src = f.read(planes[ch]!, samples);
    for (let i = 0, o = ch; i < samples; i++, o += channels) out[o] = src[i]! * f.scale;
  }
  return out;
}
