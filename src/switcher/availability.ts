/**
 * Per-input availability, as a pure function of the previous health and one observation
 * per program frame. No timers: time is the `nowMs` of each observation.
 *
 * Rules (SPEC §3 "Available"), and the choices where the spec is silent:
 * - `nowMs` is the time at the END of the observed frame; a run (of noise or silence)
 *   that starts with this frame is taken to start at the previous observation's `nowMs`.
 * - An observation with `hasAudio: false` means the input is starved (the input buffer
 *   applies `starvationMs` when it computes `hasAudio`, see `isStarved`). A starved input
 *   is unavailable at once, and it is NOT blank: blank describes audio that arrives but is
 *   silent, starved means no audio at all, and the switch reason differs ("failover" vs
 *   "blank"). Starvation also forgets any noise run: after a reconnect the input needs
 *   `minNoiseSec` of noise again.
 * - A frame is silent when its RMS level is below `thresholdDb`, noise otherwise.
 * - `blank` turns true once the input has delivered continuous silence for `maxBlankSec`
 *   (also a fresh input that starts silent: it is blank after `maxBlankSec`, not at once),
 *   and turns false again only when the input is available again (a blip of noise in a
 *   dead feed does not end the blank).
 * - `available` needs `minNoiseSec` of CONTINUOUS noise (one silent frame restarts the
 *   count), from a fresh start, a starvation or a blank alike: a fresh input is not
 *   available until then. Once available, silences shorter than `maxBlankSec` do not matter.
 */

export interface AvailabilityConfig {
  thresholdDb: number;
  maxBlankSec: number;
  minNoiseSec: number;
  /**
   * Not used by `nextHealth`: `hasAudio` already tells starvation (see `isStarved`).
   * Accepted so the switcher's config section can be passed as it is.
   */
  starvationMs?: number;
}

export interface HealthObservation {
  /** End of the observed frame, ms on the program's monotonic clock. */
  nowMs: number;
  /** The input delivered audio for this frame (it is not starved). */
  hasAudio: boolean;
  /** RMS level of this frame, dBFS (ignored when `hasAudio` is false). */
  levelDb: number;
  /**
   * How long the input's audio has been above the threshold as it ARRIVED (ms), for inputs that
   * hold a delay: the same audio proves itself while it waits to be played, so `minNoiseSec` and
   * the input's delay run at once rather than one after the other. Absent: judged on play.
   */
  arrivedNoiseMs?: number;
}

export interface InputHealth {
  available: boolean;
  blank: boolean;
  starved: boolean;
  /**
   * When `available` last changed (or the first observation); null before any. An input proven
   * on arrival became available when its arrived audio completed `minNoiseSec` (the switcher's
   * `returnDelaySec` counts from there: the audio played now has been held since).
   */
  since: number | null;
  /** When the current blank started (when `blank` turned true); null while not blank. */
  blankSince: number | null;
  /** Start of the current run of silent frames; null while not delivering silence. */
  silentSince: number | null;
  /** Start of the current run of noise frames; null while not delivering noise. */
  noiseSince: number | null;
  /** Total time spent unavailable, ms (antenne_input_unavailable_seconds_total). */
  unavailableMs: number;
  /** `nowMs` of the last observation; null before any. */
  lastMs: number | null;
}

/**
 * Health of an input not yet observed: unavailable, not blank, not (yet) starved.
 * @param startMs when observation starts (the program clock's start): the first frame's
 *   runs start there, and unavailable time counts from there. Null: from the first frame's end.
 */
export function initialHealth(startMs: number | null = null): InputHealth {
  return {
    available: false,
    blank: false,
    starved: false,
    since: startMs,
    blankSince: null,
    silentSince: null,
    noiseSince: null,
    unavailableMs: 0,
    lastMs: startMs,
  };
}

/**
 * The input-side starvation rule, for whoever computes `hasAudio`: an input is starved
 * when no audio arrived for `starvationMs` (or never did).
 */
export function isStarved(lastAudioMs: number | null, nowMs: number, starvationMs: number): boolean {
  return lastAudioMs === null || nowMs - lastAudioMs >= starvationMs;
}

export function nextHealth(prev: InputHealth, obs: HealthObservation, cfg: AvailabilityConfig): InputHealth {
  const { nowMs } = obs;
  const runStart = prev.lastMs ?? nowMs;
  // Time ran backwards (should not happen on a monotonic clock): count nothing.
  const dt = prev.lastMs === null ? 0 : Math.max(0, nowMs - prev.lastMs);
  const unavailableMs = prev.unavailableMs + (prev.available ? 0 : dt);

  // Literals in initialHealth's property order, no spread: called per input and program frame,
  // a spread object here was a quarter of the daemon's allocations (bench/profile-daemon.ts C).
  if (!obs.hasAudio) {
    return {
      available: false,
      blank: false,
      starved: true,
      since: prev.available || prev.since === null ? nowMs : prev.since,
      blankSince: null,
      silentSince: null,
      noiseSince: null,
      unavailableMs,
      lastMs: nowMs,
    };
  }

  const silent = !(obs.levelDb >= cfg.thresholdDb);
  const silentSince = silent ? (prev.silentSince ?? runStart) : null;
  const noiseSince = silent ? null : (prev.noiseSince ?? runStart);

  let available = prev.available;
  let blank = prev.blank;
  // When the proof was complete: now when judged on play; on arrival, as soon as the audio
  // that arrived had carried minNoiseSec (it has waited out the delay since).
  let provenAt = nowMs;
  const minNoiseMs = cfg.minNoiseSec * 1000;
  const arrivedMs = obs.arrivedNoiseMs ?? 0;
  if (silentSince !== null && nowMs - silentSince >= cfg.maxBlankSec * 1000) {
    available = false;
    blank = true;
  } else if (
    !available &&
    noiseSince !== null &&
    (nowMs - noiseSince >= minNoiseMs || arrivedMs >= minNoiseMs)
  ) {
    available = true;
    blank = false;
    // The arrived run is unbroken up to the audio playing now (a gap, silence, or audio that came
    // too late to play starts it again), so it may reach back past a starvation of our own
    // making: a read position moved back before the first audio when the delay grew off air.
    if (arrivedMs > minNoiseMs) provenAt = nowMs - (arrivedMs - minNoiseMs);
  }

  return {
    available,
    blank,
    starved: false,
    since: available !== prev.available || prev.since === null ? provenAt : prev.since,
    blankSince: blank ? (prev.blankSince ?? nowMs) : null,
    silentSince,
    noiseSince,
    unavailableMs,
    lastMs: nowMs,
  };
}
