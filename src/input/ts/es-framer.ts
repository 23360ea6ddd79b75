/**
 * Splits the payloads of consecutive PES packets of one audio stream into whole codec frames.
 *
 * Invariants:
 * - A frame is emitted only when its header is valid AND its length is confirmed, either by a
 *   valid header of the same sample rate right after it or by the end of the PES it ends in.
 *   Anything else is skipped byte by byte up to the next candidate sync byte (counted).
 * - A frame may span PES boundaries: the unconfirmed tail of one PES is carried into the next.
 * - The PTS of a PES belongs to the first frame that STARTS in that PES (ISO/IEC 13818-1
 *   2.4.3.7); the framer hands it over with that frame and -1 with every other frame.
 * - `hole()` forgets the carried tail: bytes on both sides of lost data never form a frame.
 */
import {
  HEADER_INVALID,
  HEADER_NEED_MORE,
  newHeader,
  type FrameHeader,
  type HeaderParser,
} from "./frame-header.js";
import type { TsStats } from "./ts-types.js";

export interface FrameSink {
  /** A confirmed frame at buf[off, off + len); `pesPts` is the raw 33-bit PES PTS or -1. */
  esFrame(buf: Buffer, off: number, len: number, h: FrameHeader, pesPts: number): void;
  /** The stream lost frame sync (first skipped byte after valid frames). */
  esSyncLost(): void;
}

/** At most this many PES regions are remembered inside the carried bytes. */
const MAX_MARKERS = 64;

export class EsFramer {
  private work = Buffer.allocUnsafe(16384);
  private workLen = 0;
  // PES regions inside the bytes being framed: start offset, raw PTS (-1 none), PTS used.
  private readonly mStart = new Float64Array(MAX_MARKERS);
  private readonly mPts = new Float64Array(MAX_MARKERS);
  private readonly mUsed = new Uint8Array(MAX_MARKERS);
  private mCount = 0;
  private mi = 0;
  private inSync = true;
  private readonly h = newHeader();
  private readonly next = newHeader();

  constructor(
    private readonly parse: HeaderParser,
    /** First byte of every header of this codec (0xFF for ADTS/MPEG audio, 0x0B for AC-3). */
    private readonly syncByte: number,
    private readonly sink: FrameSink,
    private readonly stats: TsStats,
  ) {}

  /** Frames the payload `src[start, end)` of one complete PES. */
  pushPes(src: Buffer, start: number, end: number, pts: number): void {
    let buf = src;
    let off = start;
    let lim = end;
    if (this.workLen > 0) {
      this.ensure(this.workLen + (end - start));
      src.copy(this.work, this.workLen, start, end);
      this.addMarker(this.workLen, pts);
      buf = this.work;
      off = 0;
      lim = this.workLen + (end - start);
    } else {
      this.mCount = 0;
      this.addMarker(start, pts);
    }
    this.mi = 0;
    const pos = this.scan(buf, off, lim);
    this.keep(buf, pos, lim);
  }

  /** Data was lost: drop the carried partial frame so nothing is built across the hole. */
  hole(): void {
    if (this.workLen > 0) this.stats.framesDropped++;
    this.workLen = 0;
    this.mCount = 0;
  }

  private scan(buf: Buffer, pos: number, lim: number): number {
    const h = this.h;
    while (pos < lim) {
      const st = this.parse(buf, pos, lim, h);
      if (st === HEADER_NEED_MORE) return pos;
      if (st === HEADER_INVALID || h.dependent) {
        pos = this.skip(buf, pos, lim);
        continue;
      }
      const frameEnd = this.confirm(buf, pos, pos + h.length, lim);
      if (frameEnd === 0) return pos; // wait for the next PES
      if (frameEnd < 0) {
        pos = this.skip(buf, pos, lim);
        continue;
      }
      this.inSync = true;
      this.sink.esFrame(buf, pos, frameEnd - pos, h, this.ptsAt(pos));
      pos = frameEnd;
    }
    return pos;
  }

  /**
   * Where the frame starting with `this.h` really ends (absorbing E-AC-3 dependent substreams),
   * 0 when more bytes are needed to decide, -1 when the length is contradicted.
   */
  private confirm(buf: Buffer, pos: number, frameEnd: number, lim: number): number {
    const next = this.next;
    for (;;) {
      if (frameEnd > lim) return 0;
      if (frameEnd === lim) return frameEnd; // ends exactly where the PES ends
      const st = this.parse(buf, frameEnd, lim, next);
      if (st === HEADER_NEED_MORE) return 0;
      if (st === HEADER_INVALID || next.sampleRate !== this.h.sampleRate) return -1;
      if (!next.dependent) return frameEnd;
      frameEnd += next.length;
      if (frameEnd - pos > 65536) return -1;
    }
  }

  /** Skips to the next byte that could start a header; counts what it skipped. */
  private skip(buf: Buffer, pos: number, lim: number): number {
    if (this.inSync) {
      this.inSync = false;
      this.sink.esSyncLost();
    }
    let nextPos = buf.indexOf(this.syncByte, pos + 1);
    if (nextPos < 0 || nextPos > lim) nextPos = lim;
    this.stats.esBytesSkipped += nextPos - pos;
    return nextPos;
  }

  /** The PES PTS for a frame starting at `pos` if it is the first frame to start in its PES. */
  private ptsAt(pos: number): number {
    while (this.mi + 1 < this.mCount && (this.mStart[this.mi + 1] as number) <= pos) this.mi++;
    if ((this.mStart[this.mi] as number) > pos || this.mUsed[this.mi] === 1) return -1;
    this.mUsed[this.mi] = 1;
    return this.mPts[this.mi] as number;
  }

  private addMarker(start: number, pts: number): void {
    if (this.mCount === MAX_MARKERS) this.dropMarkers(1);
    this.mStart[this.mCount] = start;
    this.mPts[this.mCount] = pts;
    this.mUsed[this.mCount] = 0;
    this.mCount++;
  }

  private dropMarkers(n: number): void {
    this.mStart.copyWithin(0, n, this.mCount);
    this.mPts.copyWithin(0, n, this.mCount);
    this.mUsed.copyWithin(0, n, this.mCount);
    this.mCount -= n;
  }

  /** Carries `buf[pos, lim)` to the next PES, with the PES regions it overlaps. */
  private keep(buf: Buffer, pos: number, lim: number): void {
    const n = lim - pos;
    if (n === 0) {
      this.workLen = 0;
      this.mCount = 0;
      return;
    }
    if (buf === this.work) this.work.copyWithin(0, pos, lim);
    else {
      this.ensure(n);
      buf.copy(this.work, 0, pos, lim);
    }
    this.workLen = n;
    // Regions that end before `pos` are over; the one holding `pos` now starts at 0.
    while (this.mi + 1 < this.mCount && (this.mStart[this.mi + 1] as number) <= pos) this.mi++;
    this.dropMarkers(this.mi);
    for (let i = 0; i < this.mCount; i++) this.mStart[i] = Math.max(0, (this.mStart[i] as number) - pos);
  }

  private ensure(n: number): void {
    if (n <= this.work.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(n, this.work.length * 2));
    this.work.copy(bigger, 0, 0, this.workLen);
    this.work = bigger;
  }
}
