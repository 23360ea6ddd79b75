/**
 * Reassembles PSI sections (ISO/IEC 13818-1 2.4.4) of one PID from the payloads of its
 * packets: pointer_field, sections spanning packets, several sections in one packet, 0xFF
 * stuffing after the last one. One reused buffer; a section is handed on only when complete.
 */
const MAX_SECTION = 4096 + 3;

export interface SectionSink {
  /** A complete section in buf[0, len); valid only during the call. */
  section(buf: Buffer, len: number): void;
}

export class SectionAssembler {
  private readonly buf = Buffer.allocUnsafe(MAX_SECTION);
  private len = 0;
  private need = 0;
  private active = false;

  constructor(private readonly sink: SectionSink) {}

  /** Forgets the section in progress (lost packets, new table). */
  reset(): void {
    this.active = false;
    this.len = 0;
    this.need = 0;
  }

  /** Payload b[p, end) of one packet; `unitStart` is the packet's PUSI flag. */
  push(b: Buffer, p: number, end: number, unitStart: boolean): void {
    if (!unitStart) {
      if (this.active) this.append(b, p, end);
      return;
    }
    const pointer = b[p] as number;
    p++;
    if (p + pointer > end) {
      this.reset();
      return;
    }
    if (this.active) this.append(b, p, p + pointer);
    this.reset();
    p += pointer;
    while (p < end && b[p] !== 0xff) {
      this.active = true;
      p = this.append(b, p, end);
      if (this.active) return; // continues in the next packet
    }
  }

  private append(b: Buffer, p: number, end: number): number {
    while (p < end && this.active) {
      if (this.need === 0) {
        this.buf[this.len++] = b[p++] as number;
        if (this.len === 3) {
          this.need = 3 + ((((this.buf[1] as number) & 0x0f) << 8) | (this.buf[2] as number));
          if (this.need > MAX_SECTION) {
            this.reset();
            return end;
          }
        }
        continue;
      }
      const n = Math.min(this.need - this.len, end - p);
      b.copy(this.buf, this.len, p, p + n);
      p += n;
      this.len += n;
      if (this.len === this.need) {
        this.active = false;
        this.sink.section(this.buf, this.len);
        this.len = 0;
        this.need = 0;
      }
    }
    return p;
  }
}
