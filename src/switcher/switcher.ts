/**
 * The source switcher: a pure state machine. No timers, no I/O; time comes in as `nowMs`
 * (the program's monotonic clock, ms) and `decide` runs once per program frame.
 *
 * Rules (SPEC §3), and the choices where the spec is silent:
 * - Candidates, in rank order: the preferred input first (when it is configured), then
 *   the others in priority order, minus `autofallback: false` inputs (used only while
 *   preferred). The program's input is the first AVAILABLE candidate, with hysteresis:
 * - Leaving the active input is immediate when it stops being available: "blank" when it
 *   went blank, "failover" otherwise (starved, lost, or no longer configured); a cut.
 * - Going to a higher-ranked input while the active one is fine ("return", crossfade)
 *   needs that input continuously available for `returnDelaySec`: a flapping input never
 *   comes back.
 * - On a failover the target is the highest-ranked candidate that is SETTLED (available
 *   for `returnDelaySec`), else the highest-ranked available one: a higher input that only
 *   just came back does not win over a stable lower one (it returns once settled).
 * - With nothing available the active input is null and the program carries silence.
 *   From null, the first input that becomes available goes on air at once (reason
 *   "return", a crossfade that is a fade-in from silence): there is nothing to protect,
 *   and the input already proved `minNoiseSec` of noise to become available.
 * - A preferred input that dies keeps the preference: the switcher falls back by priority
 *   and returns to the preferred input once it is settled again.
 * - When the active input is still available but no longer a candidate (the preference
 *   left a manual-only input), it is left for the best candidate with reason "manual" and
 *   a crossfade; if no candidate is available the program goes silent (strict: a
 *   manual-only input is never on air without the preference).
 *
 * The state is plain JSON; the lead persists `preferred`.
 */

import type { SwitchEvent, SwitchReason, Transition } from "../types/index.js";

export type { SwitchEvent };

/** What the switcher needs to know about one input, each frame, in priority order. */
export interface SwitcherInput {
  id: string;
  autofallback: boolean;
  available: boolean;
  blank: boolean;
  starved: boolean;
  /**
   * Since when it has been available, when the input knows better than the frame it was first
   * seen available on (availability proven on arrival); never later than now.
   */
  availableSinceMs?: number | null;
}

export interface SwitcherState {
  active: string | null;
  preferred: string | null;
  returnDelayMs: number;
  /** Input id → since when it has been continuously available (ms); absent = unavailable. */
  availableSince: Record<string, number>;
}

export interface Decision {
  state: SwitcherState;
  switch?: SwitchEvent;
}

export type SwitchRequestResult =
  | { ok: true; state: SwitcherState; switch?: SwitchEvent }
  | { ok: false; code: "unknown" | "unavailable"; reason: string };

export function initialSwitcherState(opts: {
  returnDelaySec: number;
  preferred?: string | null;
}): SwitcherState {
  return {
    active: null,
    preferred: opts.preferred ?? null,
    returnDelayMs: opts.returnDelaySec * 1000,
    availableSince: {},
  };
}

function trackAvailability(
  prev: Record<string, number>,
  inputs: readonly SwitcherInput[],
  nowMs: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of inputs)
    if (i.available) out[i.id] = prev[i.id] ?? Math.min(nowMs, i.availableSinceMs ?? nowMs);
  return out;
}

/** Candidates in rank order: preferred first, then priority order; manual-only only if preferred. */
function rank(inputs: readonly SwitcherInput[], preferred: string | null): SwitcherInput[] {
  const pref = inputs.find((i) => i.id === preferred);
  const rest = inputs.filter((i) => i !== pref && i.autofallback);
  return pref ? [pref, ...rest] : rest;
}

function failoverTarget(
  ranked: readonly SwitcherInput[],
  settled: (i: SwitcherInput) => boolean,
): string | null {
  return (ranked.find(settled) ?? ranked.find((i) => i.available))?.id ?? null;
}

export function decide(state: SwitcherState, inputs: readonly SwitcherInput[], nowMs: number): Decision {
  const availableSince = trackAvailability(state.availableSince, inputs, nowMs);
  const next: SwitcherState = { ...state, availableSince };
  const settled = (i: SwitcherInput): boolean =>
    i.available && nowMs - (availableSince[i.id] ?? nowMs) >= state.returnDelayMs;
  const ranked = rank(inputs, state.preferred);
  const activeRank = ranked.findIndex((i) => i.id === state.active);
  const active = inputs.find((i) => i.id === state.active);

  let to: string | null;
  let reason: SwitchReason;
  let transition: Transition;
  if (state.active === null) {
    to = failoverTarget(ranked, settled);
    reason = "return";
    transition = "crossfade";
  } else if (active?.available && activeRank >= 0) {
    to = ranked.slice(0, activeRank).find(settled)?.id ?? state.active;
    reason = "return";
    transition = "crossfade";
  } else if (active?.available) {
    to = failoverTarget(ranked, settled);
    reason = "manual";
    transition = "crossfade";
  } else {
    to = failoverTarget(ranked, settled);
    reason = active?.blank && !active.starved ? "blank" : "failover";
    transition = "cut";
  }

  if (to === state.active) return { state: next };
  return { state: { ...next, active: to }, switch: { from: state.active, to, reason, transition } };
}

function unavailableBecause(i: SwitcherInput): string {
  if (i.starved) return "it is not receiving audio";
  if (i.blank) return "it is blank (silent)";
  return "it has not yet carried audio above the silence threshold for minNoiseSec";
}

/**
 * A manual switch: the input becomes the preferred one and goes on air at once with a
 * crossfade. Refused (state unchanged, preference included) when the input is unknown or
 * not available right now.
 */
export function requestSwitch(
  state: SwitcherState,
  id: string,
  inputs: readonly SwitcherInput[],
  nowMs: number,
): SwitchRequestResult {
  const input = inputs.find((i) => i.id === id);
  if (!input) return { ok: false, code: "unknown", reason: `unknown input "${id}"` };
  if (!input.available) {
    return {
      ok: false,
      code: "unavailable",
      reason: `input "${id}" is not available: ${unavailableBecause(input)}`,
    };
  }
  const availableSince = trackAvailability(state.availableSince, inputs, nowMs);
  const next: SwitcherState = { ...state, availableSince, preferred: id, active: id };
  if (state.active === id) return { ok: true, state: next };
  return {
    ok: true,
    state: next,
    switch: { from: state.active, to: id, reason: "manual", transition: "crossfade" },
  };
}

/** Back to plain priority order; the next `decide` applies it (and names it "manual" if it moves). */
export function clearPreference(state: SwitcherState): SwitcherState {
  return { ...state, preferred: null };
}
