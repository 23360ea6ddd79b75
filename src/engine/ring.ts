/** A FIFO of interleaved Float32 samples with a fixed capacity (in samples, all channels). */
export class SampleRing {
  private readonly buf: Float32Array;
  private head = 0; // read index
  private size = 0;

  constructor(capacity: number) {
    this.buf = new Float32Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  get capacity(): number {
    return this.buf.length;
  }

  /** Appends; when full, the oldest samples make room. Returns how many were dropped. */
  push(src: Float32Array): number {
    let data = src;
    if (data.length > this.buf.length) data = data.subarray(data.length - this.buf.length);
    const overflow = Math.max(0, this.size + data.length - this.buf.length);
    if (overflow > 0) this.drop(overflow);
    let tail = (this.head + this.size) % this.buf.length;
    const first = Math.min(data.length, this.buf.length - tail);
    this.buf.set(data.subarray(0, first), tail);
    if (first < data.length) this.buf.set(data.subarray(first), 0);
    tail = (tail + data.length) % this.buf.length;
    this.size += data.length;
    return overflow + (src.length - data.length);
  }

  /** Sample at offset i from the read position (0 = oldest). Caller keeps i < length. */
  at(i: number): number {
    return this.buf[(this.head + i) % this.buf.length] ?? 0;
  }

  drop(n: number): void {
    const k = Math.min(n, this.size);
    this.head = (this.head + k) % this.buf.length;
    this.size -= k;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
  }

  /** Copies the oldest n samples into dst (no removal). */
  peek(dst: Float32Array, n: number): void {
    const first = Math.min(n, this.buf.length - this.head);
    dst.set(this.buf.subarray(this.head, this.head + first), 0);
    if (first < n) dst.set(this.buf.subarray(0, n - first), first);
  }
}
