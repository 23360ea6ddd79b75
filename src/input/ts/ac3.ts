/**
 * AC-3 (ATSC A/52 §5.3) and E-AC-3 (A/52 Annex E) syncframe headers. Both start with 0x0B77;
 * bsid tells them apart (≤ 10 AC-3, 11–16 E-AC-3), as ffmpeg's parser does, so a stream typed
 * 0x81 that carries E-AC-3 is still framed correctly and reported with the codec it really has.
 */
import {
  HEADER_INVALID,
  HEADER_NEED_MORE,
  HEADER_OK,
  type FrameHeader,
  type HeaderStatus,
} from "./frame-header.js";

const AC3_RATES = [48000, 44100, 32000];
const EAC3_HALF_RATES = [24000, 22050, 16000];
const AC3_KBPS = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640];
/** Full-bandwidth channels by acmod (0 is 1+1 dual mono). */
const ACMOD_CHANNELS = [2, 1, 2, 3, 3, 4, 4, 5];
const EAC3_BLOCKS = [1, 2, 3, 6];

/** AC-3 frame size in 16-bit words (A/52 table 5.18) for frmsizecod and fscod. */
export function ac3FrameWords(frmsizecod: number, fscod: number): number {
  const kbps = AC3_KBPS[frmsizecod >> 1];
  if (kbps === undefined) return 0;
  if (fscod === 0) return 2 * kbps;
  if (fscod === 2) return 3 * kbps;
  // 44.1 kHz: 1536 samples do not hold a whole number of words; odd codes carry the extra one.
  return Math.floor((kbps * 1536000) / (16 * 44100)) + (frmsizecod & 1);
}

export function parseAc3Family(buf: Uint8Array, off: number, end: number, out: FrameHeader): HeaderStatus {
  const avail = end - off;
  if (avail < 1) return HEADER_NEED_MORE;
  if (buf[off] !== 0x0b) return HEADER_INVALID;
  if (avail < 2) return HEADER_NEED_MORE;
  if (buf[off + 1] !== 0x77) return HEADER_INVALID;
  if (avail < 7) return HEADER_NEED_MORE;
  const bsid = (buf[off + 5] as number) >> 3;
  if (bsid <= 10) return parseAc3(buf, off, bsid, out);
  if (bsid <= 16) return parseEac3(buf, off, out);
  return HEADER_INVALID;
}

function parseAc3(buf: Uint8Array, off: number, bsid: number, out: FrameHeader): HeaderStatus {
  const b4 = buf[off + 4] as number;
  const fscod = b4 >> 6;
  const rate = AC3_RATES[fscod];
  const words = ac3FrameWords(b4 & 0x3f, fscod);
  if (rate === undefined || words === 0) return HEADER_INVALID;
  // bsid 9 and 10 are the half and quarter sample-rate variants (A/52 Annex, ffmpeg sr_shift).
  const shift = Math.max(bsid, 8) - 8;
  const b6 = buf[off + 6] as number;
  const acmod = b6 >> 5;
  // lfeon follows optional 2-bit mix levels whose presence depends on acmod.
  let bit = 3;
  if (acmod & 1 && acmod !== 1) bit += 2;
  if (acmod & 4) bit += 2;
  if (acmod === 2) bit += 2;
  const lfe = (b6 >> (7 - bit)) & 1;
  out.codec = "ac3";
  out.length = words * 2;
  out.sampleRate = rate >> shift;
  out.channels = (ACMOD_CHANNELS[acmod] as number) + lfe;
  out.samples = 1536;
  out.dependent = false;
  return HEADER_OK;
}

function parseEac3(buf: Uint8Array, off: number, out: FrameHeader): HeaderStatus {
  const b2 = buf[off + 2] as number;
  const strmtyp = b2 >> 6;
  if (strmtyp === 3) return HEADER_INVALID;
  const frmsiz = ((b2 & 0x07) << 8) | (buf[off + 3] as number);
  const b4 = buf[off + 4] as number;
  const fscod = b4 >> 6;
  let rate: number | undefined;
  let blocks: number;
  if (fscod === 3) {
    rate = EAC3_HALF_RATES[(b4 >> 4) & 0x03];
    blocks = 6;
  } else {
    rate = AC3_RATES[fscod];
    blocks = EAC3_BLOCKS[(b4 >> 4) & 0x03] as number;
  }
  const length = (frmsiz + 1) * 2;
  if (rate === undefined || length < 8) return HEADER_INVALID;
  const acmod = (b4 >> 1) & 0x07;
  out.codec = "eac3";
  out.length = length;
  out.sampleRate = rate;
  out.channels = (ACMOD_CHANNELS[acmod] as number) + (b4 & 1);
  out.samples = blocks * 256;
  // Dependent substreams (strmtyp 1) extend the independent frame before them (7.1 and up).
  out.dependent = strmtyp === 1;
  return HEADER_OK;
}
