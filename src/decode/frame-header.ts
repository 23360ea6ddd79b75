/**
 * A last check before a frame reaches libavcodec: it starts with the codec's sync word and
 * its header declares exactly the bytes it came with. The demuxer's framers already cut
 * frames by these headers; this guards the decoder against a framer bug or a frame cut short,
 * which some libavcodec decoders (MPEG audio, AC-3) would otherwise decode silently from
 * zero padding. Pure; the rules are the codecs' (ISO 13818-7 ADTS, ISO 11172-3 / 13818-3,
 * ATSC A/52 with its Annex E).
 */
import type { DecoderCodec } from "./audio-decoder.js";

/** kbit/s by bitrate index: MPEG-1 layers I, II, III, then MPEG-2/2.5 layer I, layers II/III. */
const MPEG_KBPS = [
  [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];
/** Sample rates by version bits (3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5) and rate index. */
const MPEG_RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};
const AC3_KBPS = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640];

const at = (b: Uint8Array, i: number): number => b[i] ?? 0;

/** The fields of an ADTS header that set up an AAC decoder; null when `b` is not one. */
export function adtsSetup(
  b: Uint8Array,
): { mpegId: number; profile: number; rateIndex: number; channelConfig: number } | null {
  if (b.length < 7 || at(b, 0) !== 0xff || (at(b, 1) & 0xf6) !== 0xf0) return null;
  return {
    mpegId: (at(b, 1) >> 3) & 1,
    profile: at(b, 2) >> 6,
    rateIndex: (at(b, 2) >> 2) & 0xf,
    channelConfig: ((at(b, 2) & 1) << 2) | (at(b, 3) >> 6),
  };
}

function adtsLength(b: Uint8Array): number | string {
  if (b.length < 7 || at(b, 0) !== 0xff || (at(b, 1) & 0xf6) !== 0xf0) return "not an ADTS frame";
  return ((at(b, 3) & 3) << 11) | (at(b, 4) << 3) | (at(b, 5) >> 5);
}

/** Declared length of an MPEG audio frame; null for free format (no length in the header). */
function mpegLength(b: Uint8Array): number | null | string {
  if (b.length < 4 || at(b, 0) !== 0xff || (at(b, 1) & 0xe0) !== 0xe0) return "not an MPEG audio frame";
  const version = (at(b, 1) >> 3) & 3;
  const layer = 4 - ((at(b, 1) >> 1) & 3);
  const brIndex = at(b, 2) >> 4;
  const rate = MPEG_RATES[version]?.[(at(b, 2) >> 2) & 3];
  if (!rate || layer > 3 || brIndex === 15) return "MPEG audio header with reserved values";
  if (brIndex === 0) return null;
  const table = version === 3 ? layer - 1 : layer === 1 ? 3 : 4;
  const bps = MPEG_KBPS[table]![brIndex]! * 1000;
  const pad = (at(b, 2) >> 1) & 1;
  if (layer === 1) return (Math.floor((12 * bps) / rate) + pad) * 4;
  const coeff = layer === 3 && version !== 3 ? 72 : 144;
  return Math.floor((coeff * bps) / rate) + pad;
}

/** Length of the AC-3 or E-AC-3 syncframe at `i`, or why there is none. */
function syncframeLength(b: Uint8Array, i: number): number | string {
  if (b.length < i + 6 || at(b, i) !== 0x0b || at(b, i + 1) !== 0x77) return "not an AC-3 syncframe";
  const bsid = at(b, i + 5) >> 3;
  if (bsid > 16) return "AC-3 header with an unknown bsid";
  if (bsid > 10) return (((at(b, i + 2) & 7) << 8) + at(b, i + 3) + 1) * 2; // E-AC-3: frmsiz
  const fscod = at(b, i + 4) >> 6;
  const code = at(b, i + 4) & 0x3f;
  const kbps = AC3_KBPS[code >> 1];
  if (kbps === undefined || fscod === 3) return "AC-3 header with reserved values";
  const words = [kbps * 2, Math.floor((kbps * 1000 * 1536) / (16 * 44100)) + (code & 1), kbps * 3][fscod]!;
  return words * 2;
}

/** An E-AC-3 access unit may carry several substreams (syncframes) back to back. */
function ac3Problem(b: Uint8Array): string | null {
  let i = 0;
  while (i < b.length) {
    const n = syncframeLength(b, i);
    if (typeof n === "string") return i === 0 ? n : `${b.length - i} stray bytes after the syncframe`;
    i += n;
  }
  return i === b.length ? null : `syncframe header says ${i} bytes, got ${b.length}`;
}

/** Why this frame must not reach the decoder, or null when its header matches its bytes. */
export function frameProblem(codec: DecoderCodec, b: Uint8Array): string | null {
  if (codec === "ac3" || codec === "eac3") return ac3Problem(b);
  const n = codec === "aac" ? adtsLength(b) : mpegLength(b);
  if (typeof n === "string") return n;
  if (n === null || n === b.length) return null;
  return `${codec === "aac" ? "ADTS" : "MPEG audio"} header says ${n} bytes, got ${b.length}`;
}
