/**
 * The last few seconds of program PCM, addressed by program position, so a restarted
 * encoder can re-encode from a segment boundary instead of leaving a hole.
 */
export class PcmHistory {
  private readonly buf: Float32Array;
  private readonly capFrames: number;
  /** Program position just after the newest frame held. */
  end = 0;

  constructor(
    private readonly channels: number,
    capacityFrames: number,
  ) {
    this.capFrames = capacityFrames;
    this.buf = new Float32Array(capacityFrames * channels);
  }

  get start(): number {
    return Math.max(0, this.end - this.capFrames);
  }

  /** Appends the program frame that starts at `pos` (must be `end`). */
  append(pcm: Float32Array, pos: number): void {
    const ch = this.channels;
    const frames = pcm.length / ch;
    if (pos !== this.end) this.end = pos; // a jump: older content is simply not contiguous any more
    let w = (pos % this.capFrames) * ch;
    let r = 0;
    while (r < pcm.length) {
      const n = Math.min(pcm.length - r, this.buf.length - w);
      this.buf.set(pcm.subarray(r, r + n), w);
      r += n;
      w = (w + n) % this.buf.length;
    }
    this.end = pos + frames;
  }

  /** Copy of program PCM in [from, end); `from` is clamped to what is held. */
  since(from: number): { pos: number; pcm: Float32Array } {
    const pos = Math.max(from, this.start);
    const frames = Math.max(0, this.end - pos);
    const ch = this.channels;
    const out = new Float32Array(frames * ch);
    let r = (pos % this.capFrames) * ch;
    let w = 0;
    while (w < out.length) {
      const n = Math.min(out.length - w, this.buf.length - r);
      out.set(this.buf.subarray(r, r + n), w);
      w += n;
      r = (r + n) % this.buf.length;
    }
    return { pos, pcm: out };
  }
}
