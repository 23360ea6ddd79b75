/**
 * An input's decoded audio, addressed by its position t on the input's own timeline (program-rate
 * samples), not by fill level. Blocks are placed where their timestamps say:
 * - a block that starts within `toleranceFrames` of the end continues it (sample-count
 *   continuity absorbs timestamp rounding, e.g. 44.1 kHz frames resampled to 48 kHz);
 * - a block that starts later leaves a gap of exactly the missing length (lost or late audio),
 *   concealed with silence and short fades at both edges — never a shift of what follows;
 * - a block that starts earlier overlaps what is held: only its new part is kept (duplicates).
 * Reads take fractional positions (the playout's drift-steered ratio) with cubic interpolation.
 * Memory is fixed: a ring of `capacityFrames`; the oldest audio goes first.
 */

/** Fade length at the edges of a concealed gap: long enough to avoid a click, short enough to hide. */
const FADE_FRAMES_AT_48K = 96;

export type WriteResult = "continued" | "gap" | "overlap" | "dropped" | "started";

export class TimedBuffer {
  private readonly ring: Float32Array;
  private readonly cap: number;
  private readonly fade: number;
  /** Oldest and just-after-newest input positions held (integers). */
  start = 0;
  end = 0;
  private empty = true;
  /** Input frames concealed as silence (lost or late audio). */
  concealedFrames = 0;
  /** Times a write pushed the oldest audio out because the ring was full. */
  trimmed = 0;

  constructor(
    private readonly channels: number,
    capacityFrames: number,
    sampleRate: number,
    private readonly toleranceFrames: number,
  ) {
    this.cap = Math.max(16, Math.ceil(capacityFrames));
    this.ring = new Float32Array(this.cap * channels);
    this.fade = Math.max(8, Math.round((FADE_FRAMES_AT_48K * sampleRate) / 48000));
  }

  get isEmpty(): boolean {
    return this.empty;
  }

  reset(): void {
    this.empty = true;
    this.start = this.end = 0;
  }

  /** Places interleaved `pcm` whose first sample is at input position `t` (rounded). */
  write(t: number, pcm: Float32Array): WriteResult {
    const ch = this.channels;
    let at = Math.round(t);
    let data = pcm;
    let result: WriteResult = "continued";
    if (this.empty) {
      this.empty = false;
      this.start = this.end = at;
      result = "started";
    } else if (Math.abs(at - this.end) <= this.toleranceFrames) {
      at = this.end;
    } else if (at > this.end) {
      this.conceal(at);
      result = "gap";
    } else {
      const skip = (this.end - at) * ch;
      if (skip >= data.length) return "dropped";
      data = data.subarray(skip);
      at = this.end;
      result = "overlap";
    }
    const frames = data.length / ch;
    this.copyIn(at, data);
    if (result === "gap") this.ramp(at, Math.min(this.fade, frames), true);
    this.end = at + frames;
    if (this.end - this.start > this.cap) {
      this.start = this.end - this.cap;
      this.trimmed++;
    }
    return result;
  }

  /**
   * Reads `frames` output frames starting at fractional input position `pos`, stepping `ratio`
   * input frames per output frame. Returns how many it could deliver before running out of audio
   * (the audio due has not arrived). Positions before `start` (already dropped) read as silence.
   */
  read(out: Float32Array, frames: number, pos: number, ratio: number): number {
    const ch = this.channels;
    if (this.empty) return 0;
    const ring = this.ring;
    let n = 0;
    for (; n < frames; n++) {
      const p = pos + n * ratio;
      const i = Math.floor(p);
      if (i + 2 >= this.end) break; // needs samples i-1 .. i+2
      const x = p - i;
      const s0 = i - 1 >= this.start ? this.slot(i - 1) : this.cap;
      if (s0 + 3 < this.cap) {
        // The common case: all four samples held, side by side in the ring.
        const b = s0 * ch;
        for (let c = 0; c < ch; c++) {
          const y0 = ring[b + c]!;
          const y1 = ring[b + ch + c]!;
          const y2 = ring[b + 2 * ch + c]!;
          const y3 = ring[b + 3 * ch + c]!;
          out[n * ch + c] =
            y1 + 0.5 * x * (y2 - y0 + x * (2 * y0 - 5 * y1 + 4 * y2 - y3 + x * (3 * (y1 - y2) + y3 - y0)));
        }
        continue;
      }
      for (let c = 0; c < ch; c++) {
        const y0 = this.at(i - 1, c);
        const y1 = this.at(i, c);
        const y2 = this.at(i + 1, c);
        const y3 = this.at(i + 2, c);
        out[n * ch + c] =
          y1 + 0.5 * x * (y2 - y0 + x * (2 * y0 - 5 * y1 + 4 * y2 - y3 + x * (3 * (y1 - y2) + y3 - y0)));
      }
    }
    return n;
  }

  /** Audio held from input position `pos` on, in frames (negative when pos is past the end). */
  aheadOf(pos: number): number {
    return this.empty ? 0 : this.end - pos;
  }

  private at(i: number, c: number): number {
    if (i < this.start || i >= this.end) return 0;
    return this.ring[this.slot(i) * this.channels + c]!;
  }

  /** Ring slot of input position i (positions may be negative on a sender's timeline). */
  private slot(i: number): number {
    return ((i % this.cap) + this.cap) % this.cap;
  }

  private copyIn(at: number, data: Float32Array): void {
    const ch = this.channels;
    let w = this.slot(at) * ch;
    let r = 0;
    while (r < data.length) {
      const n = Math.min(data.length - r, this.ring.length - w);
      this.ring.set(data.subarray(r, r + n), w);
      r += n;
      w = (w + n) % this.ring.length;
    }
  }

  /** Silence over [end, to), and a fade-out of what precedes it (not yet read: it is ahead). */
  private conceal(to: number): void {
    const gap = to - this.end;
    this.concealedFrames += gap;
    const tail = Math.min(this.fade, this.end - this.start);
    this.ramp(this.end - tail, tail, false);
    const zeros = Math.min(gap, this.cap);
    for (let i = to - zeros; i < to; i++) {
      const base = this.slot(i) * this.channels;
      this.ring.fill(0, base, base + this.channels);
    }
  }

  private ramp(from: number, frames: number, up: boolean): void {
    const ch = this.channels;
    for (let k = 0; k < frames; k++) {
      const g = up ? (k + 1) / (frames + 1) : 1 - (k + 1) / (frames + 1);
      const base = this.slot(from + k) * ch;
      for (let c = 0; c < ch; c++) this.ring[base + c] = this.ring[base + c]! * g;
    }
  }
}
