/**
 * When the program clock re-anchors on the wall clock (pure: the offset and positions come in).
 *
 * The program runs on the monotonic clock once anchored. On Linux NTP slewing moves
 * CLOCK_MONOTONIC with CLOCK_REALTIME, so the offset between them (wall − program) only changes
 * when the wall clock is stepped (chrony `makestep`, `date -s`, a VM resumed with its monotonic
 * clock stopped). The policy (docs/redundancy.md, "Clock steps"):
 *
 * - |offset| ≤ maxOffsetMs: nothing (reading noise, slow drift);
 * - wall ahead (offset > bound: a forward step, a frozen VM): jump forward to the encoder grid
 *   position at or after the wall clock's position. The jump waits until the program is
 *   `settleSamples` past the last segment boundary, so the segment before it had time to leave
 *   the encoder whole; the segments in between are gaps (EXT-X-GAP) every instance agrees on;
 * - wall behind by up to maxHoldMs (a backward step): hold. `to` is the current position: the
 *   timeline does not break (no encoder restart), the clock is rebased so that position falls
 *   due at its UTC time, i.e. the program pauses for the step. Media sequences never go back;
 *   listeners at the live edge wait, HLS clients with a few segments buffered hear nothing;
 * - wall behind by more than maxHoldMs: holding would be a long silence, so the instance stays
 *   on air ahead of UTC (reported once; the offset gauge shows it) until the wall clock comes
 *   back within the bound or the instance restarts.
 */

export interface ClockPolicyOptions {
  /** |wall − program| beyond this is a step, ms. */
  maxOffsetMs: number;
  /** Longest backward step absorbed by pausing the program, ms. */
  maxHoldMs: number;
  /** HLS segment length in samples (L), or the encoder grid when no HLS output. */
  segmentSamples: number;
  /** How far past a segment boundary a forward jump may happen, samples. */
  settleSamples: number;
}

export type ClockDirection = "forward" | "backward";

export interface ClockInputs {
  /** The next position the program will produce. */
  pos: number;
  /** Wall clock minus program clock, ms. */
  offsetMs: number;
  /** The encoder-grid position at or after the position the wall clock names now. */
  wallPos: number;
}

export interface Reanchor {
  to: number;
  direction: ClockDirection;
  reason: string;
}

export type ClockVerdict =
  | { action: "none" }
  | { action: "reanchor"; reanchor: Reanchor }
  /** A backward step too long to hold: the instance stays ahead (report once). */
  | { action: "run-ahead"; offsetMs: number };

export class ClockPolicy {
  private runningAhead = false;

  constructor(private readonly o: ClockPolicyOptions) {}

  check(i: ClockInputs): ClockVerdict {
    const { offsetMs } = i;
    if (Math.abs(offsetMs) <= this.o.maxOffsetMs) {
      this.runningAhead = false;
      return { action: "none" };
    }
    if (offsetMs > 0) {
      this.runningAhead = false;
      const intoSegment = i.pos - Math.floor(i.pos / this.o.segmentSamples) * this.o.segmentSamples;
      if (intoSegment < this.o.settleSamples) return { action: "none" };
      const reason = `wall clock ${fmt(offsetMs)} ahead of the program clock`;
      return { action: "reanchor", reanchor: { to: i.wallPos, direction: "forward", reason } };
    }
    if (-offsetMs <= this.o.maxHoldMs) {
      const reason = `wall clock ${fmt(-offsetMs)} behind the program clock: holding`;
      return { action: "reanchor", reanchor: { to: i.pos, direction: "backward", reason } };
    }
    if (this.runningAhead) return { action: "none" };
    this.runningAhead = true;
    return { action: "run-ahead", offsetMs };
  }
}

function fmt(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}
