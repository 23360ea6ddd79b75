/**
 * Reassembles the PES packets (ISO/IEC 13818-1 2.4.3.6) of one PID and reads their PTS.
 *
 * A PES is handed on whole, once complete: when PES_packet_length bytes have arrived, or, for
 * PES_packet_length 0 (unbounded), when the next PES starts (or at `end()`). Lost data (`lost()`)
 * drops the PES in progress and every packet until the next unit start, so no PES with a hole
 * is ever framed. One reused buffer; the sink gets a view valid during the call.
 */
import type { TsStats } from "./ts-types.js";

export interface PesSink {
  /** Payload in buf[start, end) of one complete PES; `pts` is the raw 33-bit PTS or -1. */
  pesComplete(buf: Buffer, start: number, end: number, pts: number): void;
  pesError(code: "pes-invalid" | "pes-oversize" | "scrambled", message: string): void;
}

/** stream_ids whose PES has no optional header (2.4.3.7). */
function hasNoHeader(streamId: number): boolean {
  return (
    streamId === 0xbc ||
    streamId === 0xbe ||
    streamId === 0xbf ||
    streamId === 0xf0 ||
    streamId === 0xf1 ||
    streamId === 0xf2 ||
    streamId === 0xf8 ||
    streamId === 0xff
  );
}

export function readPts(b: Uint8Array, at: number): number {
  const high = ((b[at] as number) >> 1) & 0x07;
  const low =
    ((b[at + 1] as number) << 22) |
    (((b[at + 2] as number) >> 1) << 15) |
    ((b[at + 3] as number) << 7) |
    ((b[at + 4] as number) >> 1);
  return high * 2 ** 30 + low;
}

export class PesAssembler {
  private buf = Buffer.allocUnsafe(16384);
  private len = 0;
  private active = false;
  /** 6 + PES_packet_length; 0 when unbounded; -1 until known. */
  private total = -1;
  /** Continuation packets until the next unit start are the rest of a dropped PES. */
  private skipping = false;

  constructor(
    private readonly sink: PesSink,
    private readonly stats: TsStats,
    private readonly maxBytes: number,
  ) {}

  push(b: Buffer, p: number, end: number, unitStart: boolean): void {
    if (unitStart) {
      if (this.active) this.finish();
      this.active = true;
      this.skipping = false;
      this.len = 0;
      this.total = -1;
    } else if (!this.active) {
      // Joined mid-PES (not counted), or the rest of a PES whose start was lost (counted once).
      if (this.skipping) this.stats.pesDropped++;
      this.skipping = false;
      return;
    }
    if (!this.append(b, p, end)) return;
    if (this.total < 0 && this.len >= 6) this.readLength();
    if (this.total > 0 && this.len >= this.total) this.finish();
  }

  /** Data of this PID was lost before the current packet. */
  lost(): void {
    // Either the PES in progress is dropped (its remaining packets go with it), or continuation
    // packets that follow belong to a PES whose start was lost: counted when one shows up.
    if (this.active) this.stats.pesDropped++;
    this.skipping = !this.active;
    this.active = false;
  }

  /** End of input: an unbounded PES ends here. */
  end(): void {
    if (this.active) this.finish();
  }

  /** Forgets everything, counting nothing (the stream was deselected). */
  reset(): void {
    this.active = false;
    this.skipping = false;
    this.len = 0;
  }

  private append(b: Buffer, p: number, end: number): boolean {
    const n = end - p;
    if (this.len + n > this.buf.length) {
      if (this.len + n > this.maxBytes) {
        this.drop("pes-oversize", `PES larger than ${this.maxBytes} bytes`);
        return false;
      }
      const bigger = Buffer.allocUnsafe(Math.min(this.maxBytes, Math.max(this.len + n, this.buf.length * 2)));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    b.copy(this.buf, this.len, p, end);
    this.len += n;
    return true;
  }

  private readLength(): void {
    const b = this.buf;
    if (b[0] !== 0 || b[1] !== 0 || b[2] !== 1) {
      this.drop("pes-invalid", "PES start code prefix missing");
      return;
    }
    const length = ((b[4] as number) << 8) | (b[5] as number);
    this.total = length === 0 ? 0 : 6 + length;
  }

  private drop(code: "pes-invalid" | "pes-oversize" | "scrambled", message: string): void {
    this.stats.pesDropped++;
    this.active = false;
    this.skipping = false; // its remaining packets are part of what was counted
    this.sink.pesError(code, message);
  }

  private finish(): void {
    this.active = false;
    const b = this.buf;
    if (this.total < 0 || this.len < 9) return this.drop("pes-invalid", `PES of ${this.len} bytes`);
    if (this.total > 0 && this.len < this.total) {
      return this.drop("pes-invalid", `PES cut short: ${this.len} of ${this.total} bytes`);
    }
    const end = this.total > 0 ? this.total : this.len;
    if (hasNoHeader(b[3] as number)) return this.sink.pesComplete(b, 6, end, -1);
    const b6 = b[6] as number;
    if ((b6 & 0xc0) !== 0x80) return this.drop("pes-invalid", "PES header marker bits wrong");
    if ((b6 & 0x30) !== 0) return this.drop("scrambled", "PES payload scrambled");
    const flags = (b[7] as number) >> 6;
    const headerEnd = 9 + (b[8] as number);
    if (headerEnd > end || (flags & 2 && headerEnd < 14)) {
      return this.drop("pes-invalid", "PES header longer than the PES");
    }
    this.sink.pesComplete(b, headerEnd, end, flags & 2 ? readPts(b, 9) : -1);
  }
}
