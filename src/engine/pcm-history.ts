/**
 * The last few seconds of program PCM, addressed by program position, so a restarted
 * encoder can re-encode from a segment boundary instead of leaving a hole.
 */
export class PcmHistory {
  private readonly buf: Float32Array;
  private readonly capFrames: number;
  /** Program position just after the newest frame held. */
  end = 0;
  /** Contiguous frames held up to `end` (a jump of the timeline starts over). */
  private held = 0;

  constructor(
    private readonly channels: number,
    capacityFrames: number,
  ) {
    this.capFrames = capacityFrames;
    this.buf = new Float32Array(capacityFrames * channels);
  }

  /** The program starts (or jumps) at `pos`: nothing before it is held. */
  startAt(pos: number): void {
    this.end = pos;
    this.held = 0;
  }

  get start(): number {
    return this.end - Math.min(this.held, this.capFrames);
  }

  /** Appends the program frame that starts at `pos` (must be `end`). */
  append(pcm: Float32Array, pos: number): void {
    const ch = this.channels;
    const frames = pcm.length / ch;
    if (pos !== this.end) {
      // A jump: older content is not contiguous with this frame any more.
      this.end = pos;
      this.held = 0;
    }
    let w = (pos % this.capFrames) * ch;
    let r = 0;
    while (r < pcm.length) {
      const n = Math.min(pcm.length - r, this.buf.length - w);
      this.buf.set(pcm.subarray(r, r + n), w);
      r += n;
      w = (w + n) % this.buf.length;
    }
    this.end = pos + frames;
    this.held += frames;
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
