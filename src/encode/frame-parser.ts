import type { Codec } from "../types/index.js";

const MP3_BITRATES_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MP3_BITRATES_V2_L3 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const MP3_RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};

/** Length of the ADTS frame starting at `i`, or 0 if no valid header is there. */
export function adtsFrameLength(b: Buffer, i: number): number {
  if (i + 7 > b.length) return -1;
  if (b[i] !== 0xff || ((b[i + 1] ?? 0) & 0xf6) !== 0xf0) return 0;
  const len = (((b[i + 3] ?? 0) & 0x03) << 11) | ((b[i + 4] ?? 0) << 3) | ((b[i + 5] ?? 0) >> 5);
  return len >= 7 ? len : 0;
}

/** Length of the MPEG audio layer III frame starting at `i`, or 0 if no valid header is there. */
export function mp3FrameLength(b: Buffer, i: number): number {
  if (i + 4 > b.length) return -1;
  const b1 = b[i + 1] ?? 0;
  const b2 = b[i + 2] ?? 0;
  if (b[i] !== 0xff || (b1 & 0xe0) !== 0xe0) return 0;
  const version = (b1 >> 3) & 3; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
  const layer = (b1 >> 1) & 3; // 1 = layer III
  if (version === 1 || layer !== 1) return 0;
  const brIdx = b2 >> 4;
  const srIdx = (b2 >> 2) & 3;
  const pad = (b2 >> 1) & 1;
  const kbps = (version === 3 ? MP3_BITRATES_V1_L3 : MP3_BITRATES_V2_L3)[brIdx];
  const rate = MP3_RATES[version]?.[srIdx];
  if (!kbps || !rate) return 0;
  const coef = version === 3 ? 144 : 72;
  return Math.floor((coef * kbps * 1000) / rate) + pad;
}

/**
 * Splits an encoder's byte stream into whole frames. Bytes that are not a frame
 * header are skipped (and counted), so a glitch costs one frame, not the stream.
 */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);
  skippedBytes = 0;
  private readonly lengthAt: (b: Buffer, i: number) => number;

  constructor(codec: Codec) {
    this.lengthAt = codec === "aac" ? adtsFrameLength : mp3FrameLength;
  }

  push(chunk: Buffer): Buffer[] {
    const b = this.buf.length > 0 ? Buffer.concat([this.buf, chunk]) : chunk;
    const frames: Buffer[] = [];
    let i = 0;
    while (i < b.length) {
      const len = this.lengthAt(b, i);
      if (len < 0) break; // header incomplete
      if (len === 0) {
        i++;
        this.skippedBytes++;
        continue;
      }
      if (i + len > b.length) break;
      frames.push(Buffer.from(b.subarray(i, i + len)));
      i += len;
    }
    this.buf = i < b.length ? Buffer.from(b.subarray(i)) : Buffer.alloc(0);
    return frames;
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
  }
}
