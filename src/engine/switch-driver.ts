import type { Logger } from "pino";
import {
  initialHealth,
  nextHealth,
  type AvailabilityConfig,
  type InputHealth,
} from "../switcher/availability.js";
import {
  clearPreference,
  decide,
  initialSwitcherState,
  requestSwitch,
  type SwitcherInput,
  type SwitcherState,
} from "../switcher/switcher.js";
import { LoudnessMeter } from "./loudness.js";
import { measureLevel, type Level } from "./level.js";
import type { SwitchEvent } from "../types/index.js";
import type { InputObservation, SwitchDriver } from "./program.js";

export interface MeteredInput {
  level: Level;
  loudness: LoudnessMeter;
  health: InputHealth;
  /** The input's availability rules (a source that cannot fail has nothing to prove). */
  availability: AvailabilityConfig;
}

export interface SwitchDriverOptions {
  /** `canFail: false` (a tone, a looped file): available at once, no minNoiseSec to prove. */
  inputs: { id: string; autofallback: boolean; canFail?: boolean }[];
  sampleRate: number;
  channels: number;
  availability: AvailabilityConfig;
  returnDelaySec: number;
  preferred: string | null;
  log: Logger;
  /** An input became available or unavailable (or blank), seen on the audio path. */
  onHealthChange?: (id: string, health: InputHealth) => void;
}

/** What became of a manual switch request once it reached its frame. */
export type SwitchOutcome = { applied: true } | { applied: false; reason: string };

export type SwitchRequest =
  | { ok: true; outcome: Promise<SwitchOutcome> }
  | { ok: false; code: "unknown" | "unavailable"; reason: string };

/**
 * Runs on the audio path once per program frame: meters every input, updates its
 * availability, and asks the pure switcher who is on air. Manual requests are applied
 * to the state at once and reach the audio at the next frame.
 */
export class ChannelSwitch implements SwitchDriver {
  state: SwitcherState;
  readonly meters = new Map<string, MeteredInput>();
  /** A manual switch accepted by the API, placed on the first frame due after `atMs`. */
  private queued: { id: string; atMs: number; done: (o: SwitchOutcome) => void } | null = null;
  private lastNowMs = 0;

  constructor(private readonly opts: SwitchDriverOptions) {
    this.state = initialSwitcherState({ returnDelaySec: opts.returnDelaySec, preferred: opts.preferred });
    for (const i of opts.inputs) {
      this.meters.set(i.id, {
        level: { rmsDb: -120, peakDb: -120 },
        loudness: new LoudnessMeter(opts.sampleRate, opts.channels),
        health: initialHealth(),
        availability: i.canFail === false ? { ...opts.availability, minNoiseSec: 0 } : opts.availability,
      });
    }
  }

  get active(): string | null {
    return this.state.active;
  }

  private snapshot(): SwitcherInput[] {
    return this.opts.inputs.map((i) => {
      const h = this.meters.get(i.id)!.health;
      return {
        id: i.id,
        autofallback: i.autofallback,
        available: h.available,
        blank: h.blank,
        starved: h.starved,
        availableSinceMs: h.available ? h.since : null,
      };
    });
  }

  update(obs: InputObservation[], nowMs: number, frameStartMs = nowMs): SwitchEvent | null {
    this.lastNowMs = nowMs;
    for (const o of obs) {
      const m = this.meters.get(o.id)!;
      const pcm =
        o.delivered > 0 ? o.pcm.subarray(0, o.delivered * this.opts.channels) : o.pcm.subarray(0, 0);
      m.level = measureLevel(pcm);
      if (o.delivered > 0) m.loudness.push(pcm);
      const prev = m.health;
      m.health = nextHealth(
        prev,
        { nowMs, hasAudio: o.hasAudio, levelDb: m.level.rmsDb, arrivedNoiseMs: o.arrivedNoiseMs },
        m.availability,
      );
      if (prev.available !== m.health.available || prev.blank !== m.health.blank)
        this.opts.onHealthChange?.(o.id, m.health);
    }
    const q = this.queued;
    if (q && frameStartMs >= q.atMs) {
      this.queued = null;
      // Checked again: the input may have failed since the request (then the switcher decides,
      // and the request is refused: the preference stays as it was).
      const r = requestSwitch(this.state, q.id, this.snapshot(), nowMs);
      if (r.ok) {
        this.state = r.state;
        q.done({ applied: true });
        if (r.switch) return r.switch;
      } else {
        q.done({ applied: false, reason: r.reason });
      }
    }
    const d = decide(this.state, this.snapshot(), nowMs);
    this.state = d.state;
    return d.switch ?? null;
  }

  usable(): string[] {
    return this.snapshot()
      .filter((i) => i.available && (i.autofallback || i.id === this.state.preferred))
      .map((i) => i.id);
  }

  /**
   * A manual switch. Validated now; it lands on the program timeline at the first frame due
   * after the request (`atMs`, monotonic): frames already due when it came are produced as
   * they were, even if their tick runs later. `outcome` resolves when that frame is made: the
   * input may have failed meanwhile, and then the switch is refused. Without a switch to make
   * (the input is already on air) the preference is set at once.
   */
  request(id: string, atMs: number): SwitchRequest {
    const r = requestSwitch(this.state, id, this.snapshot(), this.lastNowMs);
    if (!r.ok) return r;
    this.supersede();
    if (!r.switch) {
      this.state = r.state;
      return { ok: true, outcome: Promise.resolve({ applied: true }) };
    }
    const outcome = new Promise<SwitchOutcome>((done) => (this.queued = { id, atMs, done }));
    return { ok: true, outcome };
  }

  clear(): void {
    this.supersede();
    this.state = clearPreference(this.state);
  }

  /** Withdraws a request that has not reached its frame (the caller stopped waiting). */
  withdraw(reason: string): void {
    this.queued?.done({ applied: false, reason });
    this.queued = null;
  }

  private supersede(): void {
    this.queued?.done({ applied: false, reason: "superseded by a later request" });
    this.queued = null;
  }
}
