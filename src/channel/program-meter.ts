/**
 * Meters the program as listeners hear it: level, EBU R128 loudness and blank detection (silent
 * below the threshold for maxBlankSec), on the program's own frames.
 */
import { measureLevel, type Level } from "../engine/level.js";
import { LOUDNESS_FLOOR_LUFS, LoudnessMeter } from "../engine/loudness.js";
import type { AudioFormat } from "../types/index.js";

export interface ProgramMeterOptions {
  format: AudioFormat;
  thresholdDb: number;
  maxBlankSec: number;
  onBlankChange?: (blank: boolean) => void;
}

export class ProgramMeter {
  level: Level = { rmsDb: -120, peakDb: -120 };
  blank = false;
  private readonly loudness: LoudnessMeter;
  private silentSamples = 0;
  private readonly blankSamples: number;

  constructor(private readonly o: ProgramMeterOptions) {
    this.loudness = new LoudnessMeter(o.format.sampleRate, o.format.channels);
    this.blankSamples = Math.round(o.maxBlankSec * o.format.sampleRate);
  }

  /** One program frame. Time is counted in program samples, so a late tick changes nothing. */
  push(pcm: Float32Array): void {
    this.level = measureLevel(pcm);
    this.loudness.push(pcm);
    const frames = pcm.length / this.o.format.channels;
    this.silentSamples = this.level.rmsDb < this.o.thresholdDb ? this.silentSamples + frames : 0;
    const blank = this.silentSamples >= this.blankSamples;
    if (blank !== this.blank) {
      this.blank = blank;
      this.o.onBlankChange?.(blank);
    }
  }

  get lufsMomentary(): number | null {
    return lufs(this.loudness.momentary);
  }

  get lufsShortTerm(): number | null {
    return lufs(this.loudness.shortTerm);
  }
}

/** LUFS for display: null below the meter's floor (no signal), one decimal. */
export function lufs(v: number): number | null {
  return v <= LOUDNESS_FLOOR_LUFS ? null : Math.round(v * 10) / 10;
}
