import type { Logger } from "pino";
import type { AudioFormat, ProgramTimeline } from "../stages.js";
import type { FrameSource } from "./input-buffer.js";
import type { PcmHistory } from "./pcm-history.js";
import { TickLag } from "./tick-lag.js";

/** What the engine tells the switch logic about each input, once per program frame. */
export interface InputObservation {
  id: string;
  /** The input delivered a whole frame and audio is still arriving (not starved). */
  hasAudio: boolean;
  /** The frame's samples (valid for `delivered` frames), for meters. */
  pcm: Float32Array;
  delivered: number;
}

export interface SwitchEvent {
  from: string | null;
  to: string | null;
  reason: "failover" | "return" | "manual" | "blank";
  transition: "cut" | "crossfade";
}

/** The switch logic as the engine sees it: observations in, the active input out. */
export interface SwitchDriver {
  /**
   * `frameStartMs`: when the frame is due on the program clock (monotonic ms; frames of a tick
   * are produced together, up to a tick after they were due). Manual switches land on the
   * first frame due after their request.
   */
  update(obs: InputObservation[], nowMs: number, frameStartMs: number): SwitchEvent | null;
  readonly active: string | null;
  /** Ids of inputs usable right now, best first (for splicing when the active runs dry). */
  usable(): string[];
}

/** Mixes two frames over a fade that may span several frames. */
export interface Fader {
  mix(from: Float32Array, to: Float32Array, out: Float32Array, channels: number): boolean;
}

export interface ProgramOptions {
  format: AudioFormat;
  frameMs: number;
  /**
   * How often the clock wakes (a multiple of frameMs; frameMs by default). Each wake-up
   * produces every frame due, so a longer tick only adds latency, never drift.
   */
  tickMs?: number;
  /** Before a tick's frames: move the inputs' and encoder's pipes (no wake-ups of their own). */
  beforeTick?: (nowMs: number) => void;
  /** After a tick's frames: hand them to the encoder in one write. */
  afterTick?: () => void;
  inputs: FrameSource[];
  driver: SwitchDriver;
  history: PcmHistory;
  log: Logger;
  /** Monotonic milliseconds (performance.now by default). */
  now?: () => number;
  /** Wall-clock milliseconds (Date.now by default), read once at start to anchor PDT. */
  wallNow?: () => number;
  makeFader: () => Fader;
  /** Each program frame; `pcm` is reused for the next frame: copy it to keep it. */
  onFrame: (pcm: Float32Array, pos: number) => void;
  onSwitch: (ev: SwitchEvent) => void;
}

/**
 * The program clock: emits one program frame every frameMs on the monotonic clock, at
 * exactly the program sample rate (frames due are computed from elapsed time, so timer
 * jitter never accumulates). Every input is read every frame (hot standby).
 */
export class Program implements ProgramTimeline {
  readonly frames: number;
  private readonly ch: number;
  private readonly scratch: Map<string, Float32Array>;
  private readonly now: () => number;
  private t0 = 0;
  private wall0 = 0;
  private timer: NodeJS.Timeout | null = null;
  private draining: string | null = null;
  private fade: { from: string; fader: Fader } | null = null;
  private readonly silence: Float32Array;
  /** The program frame being composed: reused, as every consumer copies or meters it at once. */
  private readonly out: Float32Array;
  pos = 0;
  running = false;
  /** Frames produced beyond one tick's worth in a tick (the loop was late). */
  lateFrames = 0;
  private readonly framesPerTick: number;
  /** How late the clock's wake-ups run (the event-loop lag the audio path sees). */
  readonly lag: TickLag;

  constructor(private readonly opts: ProgramOptions) {
    this.ch = opts.format.channels;
    this.frames = Math.round((opts.format.sampleRate * opts.frameMs) / 1000);
    this.scratch = new Map(opts.inputs.map((s) => [s.id, new Float32Array(this.frames * this.ch)]));
    this.silence = new Float32Array(this.frames * this.ch);
    this.out = new Float32Array(this.frames * this.ch);
    this.now = opts.now ?? (() => performance.now());
    this.framesPerTick = Math.max(1, Math.round((opts.tickMs ?? opts.frameMs) / opts.frameMs));
    this.lag = new TickLag(opts.tickMs ?? opts.frameMs);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.t0 = this.now();
    this.wall0 = (this.opts.wallNow ?? Date.now)();
    // One wake-up per tick: frames due are computed from elapsed time, so timer jitter only adds latency.
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? this.opts.frameMs);
  }

  wallMsOf(pos: number): number {
    return this.wall0 + (pos / this.opts.format.sampleRate) * 1000;
  }

  /** Produces every frame that is due; public so tests can drive a synthetic clock. */
  tick(): void {
    const nowMs = this.now();
    this.lag.tick(nowMs);
    this.opts.beforeTick?.(nowMs);
    const due = Math.floor(((nowMs - this.t0) / 1000) * this.opts.format.sampleRate);
    let n = 0;
    while (this.pos + this.frames <= due) {
      this.produce(nowMs);
      if (++n > this.framesPerTick) this.lateFrames++;
      if (n > 50) {
        // The process was frozen for seconds: skip ahead rather than burst minutes of audio.
        const skipped = Math.floor((due - this.pos) / this.frames) * this.frames;
        this.opts.log.warn(
          { skippedMs: Math.round((skipped / this.opts.format.sampleRate) * 1000) },
          "program clock fell behind; skipping",
        );
        this.t0 += (skipped / this.opts.format.sampleRate) * 1000;
        break;
      }
    }
    this.opts.afterTick?.();
  }

  private produce(nowMs: number): void {
    const obs: InputObservation[] = [];
    for (const src of this.opts.inputs) {
      const buf = this.scratch.get(src.id)!;
      const delivered = src.read(buf, this.frames, nowMs);
      if (delivered < this.frames) buf.fill(0, delivered * this.ch);
      obs.push({
        id: src.id,
        hasAudio: delivered === this.frames && src.arriving(nowMs),
        pcm: buf,
        delivered,
      });
    }
    const frameStartMs = this.t0 + (this.pos / this.opts.format.sampleRate) * 1000;
    const ev = this.opts.driver.update(obs, nowMs, frameStartMs);
    if (ev) this.onSwitch(ev, obs);
    const out = this.compose(obs);
    this.opts.history.append(out, this.pos);
    this.opts.onFrame(out, this.pos);
    this.pos += this.frames;
  }

  private onSwitch(ev: SwitchEvent, obs: InputObservation[]): void {
    this.fade = null;
    this.draining = null;
    if (ev.from !== null && ev.transition === "crossfade" && ev.to !== null) {
      this.fade = { from: ev.from, fader: this.opts.makeFader() };
    } else if (ev.from !== null && ev.reason === "failover") {
      // Play the lost input's buffered audio to its end, then cut.
      const from = obs.find((o) => o.id === ev.from);
      if (from && from.delivered > 0) this.draining = ev.from;
    }
    this.opts.onSwitch(ev);
  }

  private compose(obs: InputObservation[]): Float32Array {
    const out = this.out;
    const byId = (id: string | null) => (id === null ? undefined : obs.find((o) => o.id === id));
    const active = byId(this.opts.driver.active);
    if (this.fade && active) {
      const from = byId(this.fade.from);
      if (!this.fade.fader.mix(from?.pcm ?? this.silence, active.pcm, out, this.ch)) this.fade = null;
      return out;
    }
    let filled = 0;
    const drain = byId(this.draining);
    if (drain) {
      filled = drain.delivered;
      out.set(drain.pcm.subarray(0, filled * this.ch));
      if (filled < this.frames) this.draining = null;
    }
    // Fill the rest from the active input; if it runs dry mid-frame, splice in the next usable
    // one (asked for only then: the usable list is not built on every frame).
    const take = (o: InputObservation | undefined): void => {
      if (!o || o.delivered <= filled) return;
      out.set(o.pcm.subarray(filled * this.ch, o.delivered * this.ch), filled * this.ch);
      filled = o.delivered;
    };
    if (active) {
      take(active);
      for (const id of filled < this.frames ? this.opts.driver.usable() : []) {
        if (filled >= this.frames) break;
        if (id !== active.id) take(byId(id));
      }
    }
    // Nothing left to play (every input dry): silence, never the previous frame's samples.
    if (filled < this.frames) out.fill(0, filled * this.ch);
    return out;
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
