/**
 * One live input as the program reads it: decoded audio placed on the input's own timeline
 * (timed-buffer.ts), arrivals feeding its envelope (arrival-envelope.ts), and the playout that
 * says which input position each program position plays (playout.ts; shared with the other paths
 * of its group). An input is starved exactly when the audio due now has not arrived: its timeline
 * ran dry at the read position — never because bytes paused.
 */
import type { FrameSource, InputTiming } from "../../types/index.js";
import { ArrivalEnvelope } from "./arrival-envelope.js";
import { ArrivalGaps } from "../../util/arrival-gaps.js";
import type { Playout, PlayoutMember } from "./playout.js";
import { TimedBuffer } from "./timed-buffer.js";

export interface TimedSourceOptions {
  id: string;
  sampleRate: number;
  channels: number;
  playout: Playout;
  /** Below this (dBFS RMS) a frame is silence: running dry on silence holds rather than fails. */
  silenceDb?: number;
}

/** Timestamp rounding absorbed as sample-count continuity (a frame lost is ≥ 8 ms). */
const TOLERANCE_MS = 2;
/**
 * A sender delivering this many seconds of audio per second, over RACING_WINDOW_SEC, is not real
 * time (a file sent without -re). A real-time sender's bursts (≤ maxBufferMs, 2 s) stay below it.
 */
const RACING_RATE = 2;
const RACING_WINDOW_SEC = 2;
/** Audio kept behind the read position, for the interpolator and late duplicates. */
const HISTORY_MS = 200;

export class TimedSource implements FrameSource, PlayoutMember {
  readonly envelope: ArrivalEnvelope;
  readonly gaps = new ArrivalGaps();
  epoch = 0;
  private readonly buffer: TimedBuffer;
  private readonly rate: number;
  private connected = false;
  private lastArrivalMs = 0;
  /**
   * Added to this timeline's positions so it matches the group's: MPEG-TS PTS wrap every 2^33
   * ticks, and a path that connected after a wrap counts from another epoch than one before it.
   */
  private alignment: number | null = null;
  /** Arrivals that pushed out audio not played yet (a sender far faster than real time). */
  overruns = 0;
  /** Frames held on silence while the sender's next burst was late (see `read`). */
  stalledFrames = 0;
  /** The last whole frame read was below the silence threshold. */
  private silent = false;
  /** The sender delivers audio much faster than real time (measured over the last second). */
  private fast = false;
  private rateRef: { p: number; t: number } | null = null;
  /** The current run of above-threshold audio as it arrived, input positions [from, to). */
  private noiseRun: { from: number; to: number } | null = null;

  constructor(private readonly o: TimedSourceOptions) {
    this.rate = o.sampleRate;
    this.envelope = new ArrivalEnvelope({ sampleRate: o.sampleRate });
    const capacity = ((o.playout.maxDelayMs + HISTORY_MS + 1000) / 1000) * o.sampleRate;
    this.buffer = new TimedBuffer(o.channels, capacity, o.sampleRate, (TOLERANCE_MS / 1000) * o.sampleRate);
    o.playout.join(this);
  }

  get id(): string {
    return this.o.id;
  }

  live(): boolean {
    return this.connected;
  }

  /** A new timeline starts (new connection, sender restart, discontinuity): forget the old one. */
  restart(connected: boolean): void {
    this.connected = connected;
    this.fast = false;
    this.rateRef = null;
    this.alignment = null;
    this.silent = false;
    this.noiseRun = null;
    this.epoch++;
    this.envelope.reset();
    this.buffer.reset();
    this.gaps.reset();
  }

  /** The link is gone: nothing more will come, but what arrived still plays out. */
  disconnected(): void {
    this.connected = false;
  }

  /**
   * Decoded audio (program format, interleaved) whose first sample is at input position `t`,
   * received at program position `pArr`.
   */
  write(t: number, pcm: Float32Array, pArr: number, monoMs: number, declared = 0): void {
    if (pcm.length === 0) return;
    this.connected = true;
    const frames = pcm.length / this.o.channels;
    t += this.alignment ??= this.alignTo(pArr, t + frames);
    this.envelope.observe(pArr, t, t + frames, declared);
    this.measureRate(pArr, t + frames);
    const paused = this.lastArrivalMs > 0 && monoMs - this.lastArrivalMs > this.o.playout.maxDelayMs;
    this.gaps.arrived(monoMs);
    this.lastArrivalMs = monoMs;
    const trimmed = this.buffer.trimmed;
    this.buffer.write(t, pcm);
    // The ring was full and what it pushed out had not played yet: the sender outran real time.
    const pos = this.o.playout.position;
    const overran = this.buffer.trimmed !== trimmed && pos !== null && this.buffer.start > pos;
    if (overran) this.overruns++;
    this.trackNoise(t, pcm, frames, overran || paused);
  }

  /** Whole PTS-wrap periods that bring this timeline nearest the group's (0 alone). */
  private alignTo(pArr: number, tEnd: number): number {
    const ref = this.o.playout.referenceOffset(pArr, this);
    if (ref === null) return 0;
    const wrap = (2 ** 33 * this.rate) / 90000;
    return Math.round((pArr - tEnd - ref) / wrap) * wrap;
  }

  /**
   * Follows the run of noise on arrival, 10 ms at a time: a silent 10 ms or missing audio
   * (lost, or a new timeline) starts it again, as a silent frame does on play. So does an
   * outage: arrivals that paused longer than any delay the input may hold, running dry on air
   * (see `read`), or audio pushed out unplayed by a sender racing ahead. Running dry off air
   * while the delay is still being learned (a bursty sender) does not: the delay grows to cover it.
   */
  private trackNoise(t: number, pcm: Float32Array, frames: number, outage: boolean): void {
    const threshold = this.o.silenceDb;
    if (threshold === undefined) return;
    const ch = this.o.channels;
    const step = Math.max(1, Math.round(this.rate / 100));
    const tolerance = (TOLERANCE_MS / 1000) * this.rate;
    const pos = this.o.playout.position;
    if (outage || this.fast) this.noiseRun = null;
    for (let i = 0; i < frames; i += step) {
      const n = Math.min(step, frames - i);
      const at = t + i;
      const run = this.noiseRun;
      // A late duplicate of audio already judged changes nothing; a new run starts with audio
      // not yet due (what a sender sends all at once after an outage is partly too late to play).
      if (run ? at + n <= run.to && at >= run.from : pos !== null && at + n <= pos) continue;
      if (rmsDb(pcm, n * ch, i * ch) < threshold) this.noiseRun = null;
      else if (run && at >= run.from && at <= run.to + tolerance) run.to = at + n;
      else this.noiseRun = { from: at, to: at + n };
    }
  }

  /**
   * How long the audio has been noise as it arrived, ms: the run that holds the audio playing
   * now, up to the newest arrival (it proves itself while it waits out the delay). 0 when the
   * audio playing now is not part of it (silence or a gap lies between).
   */
  arrivedNoiseMs(): number {
    const run = this.noiseRun;
    const pos = this.o.playout.position;
    if (!run || pos === null || pos < run.from - (TOLERANCE_MS / 1000) * this.rate) return 0;
    return ((run.to - run.from) / this.rate) * 1000;
  }

  racing(): boolean {
    return this.fast;
  }

  /** Audio made per second of arrivals, over ≥ 1 s: far above 1, the sender is not real time. */
  private measureRate(pArr: number, tEnd: number): void {
    const ref = this.rateRef;
    if (!ref) {
      this.rateRef = { p: pArr, t: tEnd };
      return;
    }
    if (pArr - ref.p < RACING_WINDOW_SEC * this.rate) return;
    this.fast = (tEnd - ref.t) / (pArr - ref.p) > RACING_RATE;
    // Each second spent racing drops audio to hold the target: counted as an overrun.
    if (this.fast) this.overruns++;
    this.rateRef = { p: pArr, t: tEnd };
  }

  read(out: Float32Array, frames: number, p: number): number {
    const plan = this.o.playout.frame(p, frames);
    // A sender far faster than real time is not a live source: nothing it sends goes on air
    // (it is held at its target meanwhile, so it plays at once when it slows to real time).
    if (this.fast || !plan) return 0;
    const n = this.buffer.read(out, frames, plan.t0, plan.step);
    // Ran dry on air (listeners got a failover): the noise run on arrival is broken here.
    if (n < frames && this.o.playout.onAirNow()) this.noiseRun = null;
    if (n === frames) {
      this.silent = rmsDb(out, n * this.o.channels) < (this.o.silenceDb ?? -Infinity);
      return n;
    }
    // Dry on air after silence: digital silence often comes in longer bursts (tiny frames,
    // fuller PES). Hold and play silence rather than fail over; a dead sender still fails over
    // once the hold reaches maxBufferMs, and listeners heard silence either way.
    if (this.silent && this.connected && this.o.playout.onAirNow() && this.o.playout.stall(frames, plan)) {
      out.fill(0, 0, frames * this.o.channels);
      this.stalledFrames += frames;
      return frames;
    }
    return n;
  }

  timing(): InputTiming {
    const p = this.o.playout;
    const pos = p.position;
    const pNext = p.nextProgramPosition;
    return {
      targetDelayMs: p.delayMs,
      maxDelayMs: p.maxDelayMs,
      offsetSec: pos === null || pNext === null ? null : (pNext - pos) / this.rate,
      arrivalGapMs: this.gaps.quantiles(this.lastArrivalMs),
      concealedMs: (this.buffer.concealedFrames / this.rate) * 1000,
      overruns: this.overruns,
    };
  }

  /** Just after the newest audio held (input position), null while empty. */
  get endPosition(): number | null {
    return this.buffer.isEmpty ? null : this.buffer.end;
  }

  /** Audio held ahead of the read position, ms. */
  bufferMs(): number {
    const pos = this.o.playout.position;
    if (pos === null) return 0;
    return Math.max(0, (this.buffer.aheadOf(pos) / this.rate) * 1000);
  }

  driftPpm(): number {
    return Math.round(this.envelope.driftPpm);
  }

  /** Input frames concealed as silence (lost or late audio). */
  get concealedFrames(): number {
    return this.buffer.concealedFrames;
  }
}

/** RMS of `n` samples of `x` from `from`, dBFS (no subarray: this runs per 10 ms of arrivals). */
function rmsDb(x: Float32Array, n: number, from = 0): number {
  let sum = 0;
  for (let i = from; i < from + n; i++) sum += x[i]! * x[i]!;
  return n === 0 ? -Infinity : 10 * Math.log10(sum / n + 1e-20);
}
