/**
 * The WAVE fmt chunk (PCM integer, IEEE float, WAVE_FORMAT_EXTENSIBLE) and the conversion of
 * its sample frames to interleaved float, with the scaling ffmpeg uses (s16 / 32768 etc.).
 */
export type WavSampleFormat = "u8" | "s16" | "s24" | "s32" | "f32" | "f64";

export interface WavFormat {
  sampleRate: number;
  channels: number;
  sampleFormat: WavSampleFormat;
  /** Bytes per sample frame (all channels). */
  blockAlign: number;
  /** True when the fmt chunk was WAVE_FORMAT_EXTENSIBLE. */
  extensible: boolean;
  /** Speaker mask of WAVE_FORMAT_EXTENSIBLE, else null. */
  channelMask: number | null;
  /** Declared size of the data chunk, or null when streaming (0, 0xFFFFFFFF or ≥ 2 GiB). */
  dataBytes: number | null;
}

const PCM = 0x0001;
const FLOAT = 0x0003;
const EXTENSIBLE = 0xfffe;
/** The KSDATAFORMAT_SUBTYPE GUID after its first two bytes (the format code). */
const SUBTYPE_TAIL = Buffer.from([0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]);

/** Parses a fmt chunk body; returns the format or an error message naming what is wrong. */
export function parseFmt(b: Buffer): Omit<WavFormat, "dataBytes"> | string {
  if (b.length < 16) return `fmt chunk of ${b.length} bytes`;
  let code = b.readUInt16LE(0);
  const channels = b.readUInt16LE(2);
  const sampleRate = b.readUInt32LE(4);
  const blockAlign = b.readUInt16LE(12);
  const bits = b.readUInt16LE(14);
  let channelMask: number | null = null;
  const extensible = code === EXTENSIBLE;
  if (extensible) {
    if (b.length < 40 || b.readUInt16LE(16) < 22) return "WAVE_FORMAT_EXTENSIBLE without its extension";
    channelMask = b.readUInt32LE(20);
    code = b.readUInt16LE(24);
    if (!b.subarray(26, 40).equals(SUBTYPE_TAIL))
      return "WAVE_FORMAT_EXTENSIBLE with an unknown subformat GUID";
  }
  const sampleFormat = sampleFormatOf(code, bits);
  if (!sampleFormat) return `format 0x${code.toString(16)} with ${bits} bits per sample is not PCM or float`;
  if (channels < 1 || sampleRate < 1 || sampleRate > 768000)
    return `${channels} channels at ${sampleRate} Hz`;
  if (blockAlign !== channels * (bits / 8)) return `block align ${blockAlign} for ${channels} × ${bits} bits`;
  return { sampleRate, channels, sampleFormat, blockAlign, extensible, channelMask };
}

function sampleFormatOf(code: number, bits: number): WavSampleFormat | null {
  if (code === PCM)
    return bits === 8 ? "u8" : bits === 16 ? "s16" : bits === 24 ? "s24" : bits === 32 ? "s32" : null;
  if (code === FLOAT) return bits === 32 ? "f32" : bits === 64 ? "f64" : null;
  return null;
}

/** Converts `samples` samples (whole frames, interleaved) at b[off] into out[outOff…]. */
export function toFloat(
  fmt: WavSampleFormat,
  b: Buffer,
  off: number,
  samples: number,
  out: Float32Array,
  outOff: number,
): void {
  switch (fmt) {
    case "u8":
      for (let i = 0; i < samples; i++) out[outOff + i] = ((b[off + i] as number) - 128) / 128;
      return;
    case "s16":
      for (let i = 0; i < samples; i++) out[outOff + i] = b.readInt16LE(off + 2 * i) / 32768;
      return;
    case "s24":
      for (let i = 0; i < samples; i++) out[outOff + i] = b.readIntLE(off + 3 * i, 3) / 8388608;
      return;
    case "s32":
      for (let i = 0; i < samples; i++) out[outOff + i] = b.readInt32LE(off + 4 * i) / 2147483648;
      return;
    case "f32":
      for (let i = 0; i < samples; i++) out[outOff + i] = b.readFloatLE(off + 4 * i);
      return;
    case "f64":
      for (let i = 0; i < samples; i++) out[outOff + i] = b.readDoubleLE(off + 8 * i);
      return;
  }
}
