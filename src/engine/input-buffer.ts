import type { FrameSource } from "../types/index.js";
import { SampleRing } from "./ring.js";

export type { FrameSource };

export interface InputBufferOptions {
  id: string;
  sampleRate: number;
  channels: number;
  /** Target delay held on every input (same on every path). */
  targetMs: number;
  starvationMs: number;
  /**
   * Steer the read ratio on the fill (default). Off for a source already on the program
   * clock (a file read on demand): it has no drift to learn, and is read at exactly 1:1.
   */
  steer?: boolean;
}

/** The steering never asks for more than ±0.1 % of rate change (inaudible, ±1.7 cents). */
export const MAX_RATIO_DEVIATION = 0.001;

/**
 * An input's jitter buffer on the program clock. Writes come in bursts from a decoder
 * running on the sender's clock; reads take one program frame at a time. The fill
 * level steers a tiny resampling ratio (a PI controller) so a sender whose clock runs up
 * to 0.1 % fast or slow neither overflows nor starves it, and a fill far above target
 * (a sender faster than real time, a burst after a stall) drops the oldest audio back to
 * target: the buffer holds the same delay on every input and never grows to its cap.
 */
export class InputBuffer implements FrameSource {
  readonly id: string;
  private readonly ring: SampleRing;
  private readonly ch: number;
  private readonly rate: number;
  private readonly target: number; // frames
  private readonly highWater: number; // frames: above this, drop back to target
  private readonly starvationMs: number;
  private readonly steering: boolean;
  private primed = false;
  private phase = 0; // fractional read position within the ring, in frames
  private ratio = 1;
  private integral = 0;
  private fillAvg = -1;
  private lastWriteMs = -Infinity;
  private lastReadMs: number | null = null;
  private partial = new Float32Array(0);
  /** Frames dropped to hold the target (fast sender, bursts). */
  droppedFrames = 0;
  /** Times the fill went above target + margin and was cut back to target. */
  overflows = 0;
  underruns = 0;

  constructor(opts: InputBufferOptions) {
    this.id = opts.id;
    this.ch = opts.channels;
    this.rate = opts.sampleRate;
    this.target = Math.round((opts.targetMs / 1000) * this.rate);
    // Room for the decoder's bursts (tens of ms; up to ~150 ms) above target, but never more
    // than 200 ms: a sender faster than real time is held within 200 ms of the target delay.
    const marginSec = Math.min(0.2, Math.max(0.15, opts.targetMs / 1000));
    this.highWater = this.target + Math.round(marginSec * this.rate);
    this.starvationMs = opts.starvationMs;
    this.steering = opts.steer ?? true;
    const capFrames = this.highWater + Math.round(2 * this.rate);
    this.ring = new SampleRing(capFrames * this.ch);
  }

  /** Decoded PCM from the input (interleaved; any length, not necessarily whole frames). */
  write(pcm: Float32Array, nowMs: number): void {
    let data = pcm;
    if (this.partial.length > 0) {
      const joined = new Float32Array(this.partial.length + pcm.length);
      joined.set(this.partial, 0);
      joined.set(pcm, this.partial.length);
      data = joined;
    }
    const whole = data.length - (data.length % this.ch);
    this.partial = data.slice(whole);
    if (whole === 0) return;
    this.droppedFrames += this.ring.push(data.subarray(0, whole)) / this.ch;
    this.lastWriteMs = nowMs;
    if (this.fill() > this.highWater) {
      // Cut back to midway, not to the target: a real-time sender that delivers in bursts
      // (~280 ms for silent AAC) would otherwise be cut on every burst and drain to empty
      // before the next one. A faster-than-real-time sender still stays within the margin.
      const keep = this.target + Math.round((this.highWater - this.target) / 2);
      const excess = this.fill() - keep;
      this.ring.drop(excess * this.ch);
      this.droppedFrames += excess;
      this.overflows++;
      this.fillAvg = keep;
    }
  }

  /** Forget everything (a new connection: its audio starts from an empty buffer). */
  reset(): void {
    this.ring.clear();
    this.partial = new Float32Array(0);
    this.primed = false;
    this.phase = 0;
    this.fillAvg = -1;
  }

  /**
   * Audio is arriving: something came within starvationMs, or — for senders that deliver in
   * bursts (a silent AAC stream arrives every ~280 ms) — the gap is under 2 × starvationMs and
   * the buffer still holds half its target. A sender that stopped has drained its buffer by
   * then, so it is still declared starved after about starvationMs.
   */
  arriving(nowMs: number): boolean {
    const gap = nowMs - this.lastWriteMs;
    if (gap <= this.starvationMs) return true;
    return gap <= 2 * this.starvationMs && this.primed && this.fill() >= this.target / 2;
  }

  fill(): number {
    return this.ring.length / this.ch;
  }

  bufferMs(): number {
    return (this.fill() / this.rate) * 1000;
  }

  /** The sender's clock offset as learned by the controller's integral (the proportional part is jitter). */
  driftPpm(): number {
    return Math.round(this.integral * 1e6);
  }

  read(out: Float32Array, frames: number, nowMs: number): number {
    const dt = this.lastReadMs === null ? 0 : Math.max(0, (nowMs - this.lastReadMs) / 1000);
    this.lastReadMs = nowMs;
    if (!this.primed) {
      // Start (or restart after running dry) only once the target delay is buffered.
      if (this.fill() < this.target) return 0;
      this.primed = true;
      this.phase = 0;
    }
    if (this.steering) this.steer(dt);
    const delivered = this.resample(out, frames);
    if (delivered < frames) {
      this.primed = false;
      this.underruns++;
    }
    return delivered;
  }

  private steer(dt: number): void {
    const fill = this.fill();
    // Decoder output arrives in bursts of tens of ms: steer on a smoothed fill.
    const alpha = Math.min(1, dt / 2);
    this.fillAvg = this.fillAvg < 0 ? fill : this.fillAvg + alpha * (fill - this.fillAvg);
    const errSec = (this.fillAvg - this.target) / this.rate;
    // Kp: 100 ms of excess fill asks for 0.05 %; the integral learns the sender's drift.
    const kp = 0.005;
    const ki = kp / 8;
    this.integral = clamp(this.integral + ki * errSec * dt, MAX_RATIO_DEVIATION);
    this.ratio = 1 + clamp(kp * errSec + this.integral, MAX_RATIO_DEVIATION);
  }

  /**
   * Reads `frames` output frames at `ratio` input frames per output frame with cubic
   * (Catmull-Rom) interpolation, which keeps the treble intact at ratios this close to 1.
   */
  private resample(out: Float32Array, frames: number): number {
    const ch = this.ch;
    const ring = this.ring;
    const avail = this.fill();
    let pos = this.phase;
    let n = 0;
    for (; n < frames; n++) {
      const i = Math.floor(pos);
      if (i + 2 >= avail) break; // needs samples i-1 .. i+2
      const t = pos - i;
      for (let c = 0; c < ch; c++) {
        const y1 = ring.at(i * ch + c);
        const y0 = i > 0 ? ring.at((i - 1) * ch + c) : y1;
        const y2 = ring.at((i + 1) * ch + c);
        const y3 = ring.at((i + 2) * ch + c);
        out[n * ch + c] =
          y1 + 0.5 * t * (y2 - y0 + t * (2 * y0 - 5 * y1 + 4 * y2 - y3 + t * (3 * (y1 - y2) + y3 - y0)));
      }
      pos += this.ratio;
    }
    // Keep one frame of history behind the read position for the interpolator.
    const consumed = Math.max(0, Math.floor(pos) - 1);
    ring.drop(consumed * ch);
    this.phase = pos - consumed;
    return n;
  }
}

function clamp(x: number, lim: number): number {
  return x > lim ? lim : x < -lim ? -lim : x;
}
