import type { FrameSource } from "../engine/input-buffer.js";

/** A sine generated on the program clock: never fails, costs no process. */
export class ToneSource implements FrameSource {
  private phase = 0;
  private readonly step: number;
  private readonly amp: number;

  constructor(
    readonly id: string,
    private readonly channels: number,
    sampleRate: number,
    frequencyHz: number,
    amplitudeDb: number,
  ) {
    this.step = (2 * Math.PI * frequencyHz) / sampleRate;
    this.amp = 10 ** (amplitudeDb / 20);
  }

  read(out: Float32Array, frames: number): number {
    const ch = this.channels;
    for (let i = 0; i < frames; i++) {
      const v = this.amp * Math.sin(this.phase);
      this.phase += this.step;
      for (let c = 0; c < ch; c++) out[i * ch + c] = v;
    }
    this.phase %= 2 * Math.PI;
    return frames;
  }

  arriving(): boolean {
    return true;
  }

  bufferMs(): number {
    return 0;
  }

  driftPpm(): number {
    return 0;
  }
}
