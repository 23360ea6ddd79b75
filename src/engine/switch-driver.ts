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
import { LOUDNESS_FLOOR_LUFS, LoudnessMeter } from "./loudness.js";
import { measureLevel, type Level } from "./level.js";
import type { InputObservation, SwitchDriver, SwitchEvent } from "./program.js";

export interface MeteredInput {
  level: Level;
  loudness: LoudnessMeter;
  health: InputHealth;
}

export interface SwitchDriverOptions {
  inputs: { id: string; autofallback: boolean }[];
  sampleRate: number;
  channels: number;
  availability: AvailabilityConfig;
  returnDelaySec: number;
  preferred: string | null;
  log: Logger;
}

/**
 * Runs on the audio path once per program frame: meters every input, updates its
 * availability, and asks the pure switcher who is on air. Manual requests are applied
 * to the state at once and reach the audio at the next frame.
 */
export class ChannelSwitch implements SwitchDriver {
  state: SwitcherState;
  readonly meters = new Map<string, MeteredInput>();
  /** A manual switch accepted by the API, placed on the first frame due after `atMs`. */
  private queued: { id: string; atMs: number } | null = null;
  private lastNowMs = 0;

  constructor(private readonly opts: SwitchDriverOptions) {
    this.state = initialSwitcherState({ returnDelaySec: opts.returnDelaySec, preferred: opts.preferred });
    for (const i of opts.inputs) {
      this.meters.set(i.id, {
        level: { rmsDb: -120, peakDb: -120 },
        loudness: new LoudnessMeter(opts.sampleRate, opts.channels),
        health: initialHealth(),
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
      m.health = nextHealth(
        m.health,
        { nowMs, hasAudio: o.hasAudio, levelDb: m.level.rmsDb },
        this.opts.availability,
      );
    }
    const q = this.queued;
    if (q && frameStartMs >= q.atMs) {
      this.queued = null;
      // Checked again: the input may have failed since the request (then the switcher decides).
      const r = requestSwitch(this.state, q.id, this.snapshot(), nowMs);
      if (r.ok) {
        this.state = r.state;
        if (r.switch) return r.switch;
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
   * they were, even if their tick runs later. Without a switch to make (the input is already
   * on air) the preference is set at once.
   */
  request(
    id: string,
    atMs: number = performance.now(),
  ): { ok: true; changed: boolean } | { ok: false; code: "unknown" | "unavailable"; reason: string } {
    const r = requestSwitch(this.state, id, this.snapshot(), this.lastNowMs);
    if (!r.ok) return r;
    if (!r.switch) {
      this.queued = null;
      this.state = r.state;
      return { ok: true, changed: false };
    }
    this.queued = { id, atMs };
    return { ok: true, changed: true };
  }

  /** A requested switch not on the program timeline yet. */
  get switching(): boolean {
    return this.queued !== null;
  }

  clear(): void {
    this.queued = null;
    this.state = clearPreference(this.state);
  }

  static lufs(v: number): number | null {
    return v <= LOUDNESS_FLOOR_LUFS ? null : Math.round(v * 10) / 10;
  }
}
