/**
 * MPEG-1/2/2.5 audio (ISO/IEC 11172-3, 13818-3) frame header, layers I, II and III: 4 bytes.
 * Free-format streams (bitrate index 0) have no length in the header and are rejected.
 */
import {
  HEADER_INVALID,
  HEADER_NEED_MORE,
  HEADER_OK,
  type FrameHeader,
  type HeaderStatus,
} from "./frame-header.js";

// kbit/s by bitrate index (0 = free format, 15 = forbidden), one row per version/layer class.
const BR_V1_L1 = [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448];
const BR_V1_L2 = [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384];
const BR_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BR_V2_L1 = [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256];
const BR_V2_L23 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];

/** Sample rates by version bits (0 = MPEG-2.5, 1 reserved, 2 = MPEG-2, 3 = MPEG-1). */
const RATES: (readonly number[] | undefined)[] = [
  [11025, 12000, 8000],
  undefined,
  [22050, 24000, 16000],
  [44100, 48000, 32000],
];

export function parseMpegAudio(buf: Uint8Array, off: number, end: number, out: FrameHeader): HeaderStatus {
  const avail = end - off;
  if (avail < 1) return HEADER_NEED_MORE;
  if (buf[off] !== 0xff) return HEADER_INVALID;
  if (avail < 2) return HEADER_NEED_MORE;
  const b1 = buf[off + 1] as number;
  if ((b1 & 0xe0) !== 0xe0) return HEADER_INVALID;
  const version = (b1 >> 3) & 0x03;
  const layerBits = (b1 >> 1) & 0x03;
  if (version === 1 || layerBits === 0) return HEADER_INVALID;
  if (avail < 4) return HEADER_NEED_MORE;
  const b2 = buf[off + 2] as number;
  const rate = RATES[version]?.[(b2 >> 2) & 0x03];
  const layer = 4 - layerBits; // 1, 2 or 3
  const kbps = bitrateTable(version === 3, layer)[b2 >> 4];
  if (rate === undefined || kbps === undefined || kbps === 0) return HEADER_INVALID;
  const padding = (b2 >> 1) & 0x01;
  const mpeg1 = version === 3;
  out.codec = layer === 1 ? "mp1" : layer === 2 ? "mp2" : "mp3";
  out.sampleRate = rate;
  out.channels = (buf[off + 3] as number) >> 6 === 3 ? 1 : 2;
  out.dependent = false;
  if (layer === 1) {
    out.length = (Math.floor((12000 * kbps) / rate) + padding) * 4;
    out.samples = 384;
  } else if (layer === 2 || mpeg1) {
    out.length = Math.floor((144000 * kbps) / rate) + padding;
    out.samples = 1152;
  } else {
    out.length = Math.floor((72000 * kbps) / rate) + padding;
    out.samples = 576;
  }
  return HEADER_OK;
}

function bitrateTable(mpeg1: boolean, layer: number): readonly number[] {
  if (mpeg1) return layer === 1 ? BR_V1_L1 : layer === 2 ? BR_V1_L2 : BR_V1_L3;
  return layer === 1 ? BR_V2_L1 : BR_V2_L23;
}
