import type { FrameSource, InputTiming } from "../types/index.js";

/** A sine generated on the program clock: never fails, costs no process. */
export class ToneSource implements FrameSource {
  private phase = 0;
  private readonly step: number;
  private readonly amp: number;
  private readonly cosStep: number;
  private readonly sinStep: number;

  constructor(
    readonly id: string,
    private readonly channels: number,
    sampleRate: number,
    frequencyHz: number,
    amplitudeDb: number,
  ) {
    this.step = (2 * Math.PI * frequencyHz) / sampleRate;
    this.amp = 10 ** (amplitudeDb / 20);
    this.cosStep = Math.cos(this.step);
    this.sinStep = Math.sin(this.step);
  }

  /**
   * A rotating phasor: two trig calls per frame (the exact start phase) and a complex
   * multiplication per sample instead of a Math.sin (which was 3 % of the daemon's CPU).
   * The rounding error of ~1000 rotations stays below 1e-12, and each frame starts exact.
   */
  read(out: Float32Array, frames: number): number {
    const ch = this.channels;
    const cs = this.cosStep;
    const sn = this.sinStep;
    let re = Math.cos(this.phase);
    let im = Math.sin(this.phase);
    const amp = this.amp;
    for (let i = 0; i < frames; i++) {
      const v = amp * im;
      for (let c = 0; c < ch; c++) out[i * ch + c] = v;
      const r = re * cs - im * sn;
      im = re * sn + im * cs;
      re = r;
    }
    this.phase = (this.phase + frames * this.step) % (2 * Math.PI);
    return frames;
  }

  /** On the program clock: nothing to time. */
  timing(): InputTiming | null {
    return null;
  }

  bufferMs(): number {
    return 0;
  }

  driftPpm(): number {
    return 0;
  }
}
