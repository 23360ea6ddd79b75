/**
 * ADTS (ISO/IEC 13818-7 / 14496-3 §1.A.2) fixed + variable header: 7 bytes, 9 with CRC.
 */
import {
  HEADER_INVALID,
  HEADER_NEED_MORE,
  HEADER_OK,
  type FrameHeader,
  type HeaderStatus,
} from "./frame-header.js";

const ADTS_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
/** channel_configuration → channels; 0 means "described by a PCE inside the frame". */
const ADTS_CHANNELS = [0, 1, 2, 3, 4, 5, 6, 8];

export function parseAdts(buf: Uint8Array, off: number, end: number, out: FrameHeader): HeaderStatus {
  const avail = end - off;
  if (avail < 1) return HEADER_NEED_MORE;
  if (buf[off] !== 0xff) return HEADER_INVALID;
  if (avail < 2) return HEADER_NEED_MORE;
  const b1 = buf[off + 1] as number;
  // 12-bit syncword, then ID (either), layer must be 00.
  if ((b1 & 0xf6) !== 0xf0) return HEADER_INVALID;
  if (avail < 7) return HEADER_NEED_MORE;
  const b2 = buf[off + 2] as number;
  const b3 = buf[off + 3] as number;
  const sfIndex = (b2 >> 2) & 0x0f;
  const rate = ADTS_RATES[sfIndex];
  if (rate === undefined) return HEADER_INVALID;
  const length = ((b3 & 0x03) << 11) | ((buf[off + 4] as number) << 3) | ((buf[off + 5] as number) >> 5);
  const headerBytes = b1 & 0x01 ? 7 : 9;
  if (length <= headerBytes) return HEADER_INVALID;
  const blocks = ((buf[off + 6] as number) & 0x03) + 1;
  out.codec = "aac";
  out.length = length;
  out.sampleRate = rate;
  out.channels = ADTS_CHANNELS[((b2 & 0x01) << 2) | (b3 >> 6)] as number;
  out.samples = 1024 * blocks;
  out.dependent = false;
  return HEADER_OK;
}
