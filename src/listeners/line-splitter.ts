/**
 * Splits a byte stream into lines with a bound on the line length, so an HTTP body of any size
 * is processed in constant memory: a line longer than `maxLine` bytes is dropped whole (reported
 * once as too long) instead of being buffered.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private held = 0;
  private overlong = false;

  constructor(
    private readonly maxLine: number,
    private readonly onLine: (line: string) => void,
    private readonly onTooLong: () => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      this.take(chunk.subarray(start, nl));
      this.finishLine();
      start = nl + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start));
  }

  /** Flushes a last line without a newline. */
  end(): void {
    if (this.held > 0 || this.overlong) this.finishLine();
  }

  private take(b: Buffer): void {
    if (this.overlong || b.length === 0) return;
    if (this.held + b.length > this.maxLine) {
      this.overlong = true;
      this.parts = [];
      this.held = 0;
      return;
    }
    this.parts.push(Buffer.from(b));
    this.held += b.length;
  }

  private finishLine(): void {
    if (this.overlong) this.onTooLong();
    else if (this.held > 0) {
      const text = Buffer.concat(this.parts, this.held).toString("utf8").trim();
      if (text) this.onLine(text);
    }
    this.parts = [];
    this.held = 0;
    this.overlong = false;
  }
}
