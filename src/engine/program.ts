import type { Logger } from "pino";
import type { Clock } from "../clock/clock.js";
import type { ErrorReporter } from "../errors/reporter.js";
import type { AudioFormat, FrameSource, ProgramTimeline, SwitchEvent } from "../types/index.js";
import type { PcmHistory } from "./pcm-history.js";
import type { ClockPolicyOptions } from "./clock-policy.js";
import { ProgramClock } from "./program-clock.js";
import { TickLag } from "./tick-lag.js";

/** What the engine tells the switch logic about each input, once per program frame. */
export interface InputObservation {
  id: string;
  /** The input delivered a whole frame and audio is still arriving (not starved). */
  hasAudio: boolean;
  /** The frame's samples (valid for `delivered` frames), for meters. */
  pcm: Float32Array;
  delivered: number;
  /** See FrameSource.arrivedNoiseMs. */
  arrivedNoiseMs?: number | undefined;
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
  clock: Clock;
  errors: ErrorReporter;
  /** Every anchor and jump of the timeline lands on this grid (samples; see program-clock.ts). */
  grid: number;
  /** Re-anchoring bounds (clock-policy.ts), e.g. the HLS segment length to re-anchor after. */
  clockPolicy?: Partial<ClockPolicyOptions>;
  /** The timeline jumped (a freeze was skipped, or re-anchored on the wall clock): encoders restart at `to`. */
  onJump?: (jump: { from: number; to: number; reason: string }) => void;
  makeFader: () => Fader;
  /** Each program frame; `pcm` is reused for the next frame: copy it to keep it. */
  onFrame: (pcm: Float32Array, pos: number) => void;
  onSwitch: (ev: SwitchEvent) => void;
}

/**
 * The program: emits one program frame every frameMs on the program clock (program-clock.ts:
 * UTC positions run on the monotonic clock), at exactly the program sample rate (frames due are
 * computed from elapsed time, so timer jitter never accumulates). Every input is read every frame
 * (hot standby).
 */
export class Program implements ProgramTimeline {
  readonly frames: number;
  readonly sampleRate: number;
  readonly clock: ProgramClock;
  private readonly ch: number;
  private readonly scratch: Map<string, Float32Array>;
  private stopTicker: (() => void) | null = null;
  private fade: { from: string; fader: Fader } | null = null;
  private readonly silence: Float32Array;
  /** The program frame being composed: reused, as every consumer copies or meters it at once. */
  private readonly out: Float32Array;
  pos = 0;
  running = false;
  /** The start-up backlog (see start): producing it at once is no freeze. */
  private catchUpTo = -Infinity;
  /** Times the timeline was re-anchored on the wall clock (antenne_clock_reanchors_total). */
  reanchors = 0;
  /** How late the clock's wake-ups run (the event-loop lag the audio path sees). */
  readonly lag: TickLag;

  constructor(private readonly opts: ProgramOptions) {
    this.ch = opts.format.channels;
    this.frames = Math.round((opts.format.sampleRate * opts.frameMs) / 1000);
    this.scratch = new Map(opts.inputs.map((s) => [s.id, new Float32Array(this.frames * this.ch)]));
    this.silence = new Float32Array(this.frames * this.ch);
    this.out = new Float32Array(this.frames * this.ch);
    this.sampleRate = opts.format.sampleRate;
    this.clock = new ProgramClock(opts.clock, this.sampleRate, opts.grid, {
      policy: opts.clockPolicy,
      report: (code, fields) => opts.errors.report(code, fields),
    });
    this.lag = new TickLag(opts.tickMs ?? opts.frameMs);
  }

  /** Anchors the timeline on UTC and starts riding the clock's shared ticker. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.pos = this.clock.anchor();
    // The anchor lies up to a segment in the past: those frames are made at once, not a freeze.
    this.catchUpTo = this.clock.dueAt(this.opts.clock.monoMs());
    // One wake-up per tick: frames due are computed from elapsed time, so timer jitter only adds latency.
    const ticker = this.opts.clock.ticker(this.opts.tickMs ?? this.opts.frameMs);
    this.stopTicker = ticker.ride(() => this.tick());
  }

  wallMsOf(pos: number): number {
    return this.clock.wallMsOf(pos);
  }

  /** Produces every frame that is due; public so tests can drive a synthetic clock. */
  tick(): void {
    const nowMs = this.opts.clock.monoMs();
    this.lag.tick(nowMs);
    this.opts.beforeTick?.(nowMs);
    const reanchor = this.clock.check(this.pos);
    if (reanchor) {
      this.reanchors++;
      this.jump(reanchor.to, reanchor.reason);
    }
    const due = this.clock.dueAt(nowMs);
    let n = 0;
    while (this.pos + this.frames <= due) {
      this.produce(nowMs);
      if (this.pos > this.catchUpTo && ++n > 50) {
        // The process was frozen for seconds: skip ahead rather than burst seconds of audio.
        const to = this.clock.wallPosition();
        this.opts.errors.report("ANTENNE_CLOCK_BEHIND", {
          skippedMs: Math.round(((to - this.pos) / this.sampleRate) * 1000),
        });
        this.jump(to, "program clock fell behind");
        break;
      }
    }
    this.opts.afterTick?.();
  }

  /**
   * Moves the timeline to `to` (a grid position): what lies between is never produced. Used when
   * the process was frozen and to re-anchor on the wall clock; encoders restart at `to`.
   */
  jump(to: number, reason: string): void {
    const from = this.pos;
    if (to === from) return;
    this.clock.rebase(to);
    this.pos = to;
    this.fade = null;
    this.opts.onJump?.({ from, to, reason });
  }

  private produce(nowMs: number): void {
    const obs: InputObservation[] = [];
    for (const src of this.opts.inputs) {
      const buf = this.scratch.get(src.id)!;
      const delivered = src.read(buf, this.frames, this.pos);
      if (delivered < this.frames) buf.fill(0, delivered * this.ch);
      // Starved exactly when the audio due for this frame has not (all) arrived.
      obs.push({
        id: src.id,
        hasAudio: delivered === this.frames,
        pcm: buf,
        delivered,
        arrivedNoiseMs: src.arrivedNoiseMs?.(nowMs),
      });
    }
    const frameStartMs = this.clock.monoOf(this.pos);
    const ev = this.opts.driver.update(obs, nowMs, frameStartMs);
    const lost = ev ? this.onSwitch(ev, obs) : null;
    const out = this.compose(obs, lost);
    this.opts.history.append(out, this.pos);
    this.opts.onFrame(out, this.pos);
    this.pos += this.frames;
  }

  /**
   * Applies a switch to the program. A failover returns the lost input's observation: what had
   * arrived of its audio for this frame plays first, then the new input takes over at that very
   * sample (a cut). That is the only frame the lost input still plays: the switcher left it.
   */
  private onSwitch(ev: SwitchEvent, obs: InputObservation[]): InputObservation | null {
    this.fade = null;
    this.opts.onSwitch(ev);
    if (ev.from !== null && ev.transition === "crossfade" && ev.to !== null) {
      this.fade = { from: ev.from, fader: this.opts.makeFader() };
      return null;
    }
    if (ev.reason !== "failover") return null;
    return obs.find((o) => o.id === ev.from && o.delivered > 0) ?? null;
  }

  private compose(obs: InputObservation[], lost: InputObservation | null): Float32Array {
    const out = this.out;
    const byId = (id: string | null) => (id === null ? undefined : obs.find((o) => o.id === id));
    const active = byId(this.opts.driver.active);
    if (this.fade && active) {
      const from = byId(this.fade.from);
      if (!this.fade.fader.mix(from?.pcm ?? this.silence, active.pcm, out, this.ch)) this.fade = null;
      return out;
    }
    let filled = 0;
    if (lost) {
      filled = lost.delivered;
      out.set(lost.pcm.subarray(0, filled * this.ch));
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
    this.stopTicker?.();
    this.stopTicker = null;
  }
}
