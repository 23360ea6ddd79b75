/**
 * The program clock: which program position is due at a given monotonic time.
 *
 * Invariant (the timeline rule, docs/redundancy.md): position p is the sample index since the Unix
 * epoch at the program rate, so p / rate is UTC seconds. The clock is anchored once on the wall
 * clock (which ops discipline with NTP/chrony) and then runs on the monotonic clock, which never
 * steps; `offsetMs()` is how far the wall clock has since moved from the program clock (an NTP
 * step, a frozen VM, slow slewing) and `rebase()` re-anchors when it parts too far.
 *
 * Every anchor lies on `grid` (a multiple of every codec's frame size: 9216 samples = 9 AAC
 * frames = 8 MP3 frames), so encoder runs start on the epoch-anchored frame grid of every codec.
 */
import type { Clock } from "../clock/clock.js";
import { ClockPolicy, type ClockDirection, type ClockPolicyOptions } from "./clock-policy.js";

/** Catalogued reports of the re-anchoring policy. */
export type ClockReport = (
  code: "ANTENNE_CLOCK_REANCHORED" | "ANTENNE_CLOCK_AHEAD",
  fields: Record<string, unknown>,
) => void;

export interface ProgramClockOptions {
  /** The re-anchoring policy's bounds (clock-policy.ts); defaults: 100 ms, hold ≤ 10 s, grid. */
  policy?: Partial<ClockPolicyOptions>;
  report?: ClockReport;
}

export class ProgramClock {
  private pos0 = 0;
  private mono0 = 0;
  private readonly policy: ClockPolicy;
  private readonly reanchors: Record<ClockDirection, number> = { forward: 0, backward: 0 };

  constructor(
    private readonly clock: Clock,
    readonly sampleRate: number,
    readonly grid: number,
    private readonly o: ProgramClockOptions = {},
  ) {
    this.policy = new ClockPolicy({
      maxOffsetMs: 100,
      maxHoldMs: 10_000,
      segmentSamples: grid,
      settleSamples: 2 * grid,
      ...o.policy,
    });
  }

  /** Re-anchorings so far, by direction (their sum is antenne_clock_reanchors_total). */
  reanchorCounts(): Readonly<Record<ClockDirection, number>> {
    return this.reanchors;
  }

  /**
   * Anchors the clock on the wall clock and returns the first position to produce: the grid
   * position at or before the start of the segment the wall clock is in. That start lies in the
   * past (up to a segment): the program makes those frames at once, so the first segment of the
   * run is whole and listed a segment after start at the latest (SPEC §8 first playlist), instead
   * of waiting for the next boundary and a whole segment more.
   */
  anchor(): number {
    const wall = this.clock.wallMs();
    const now = Math.floor((wall * this.sampleRate) / 1000);
    const seg = this.o.policy?.segmentSamples ?? this.grid;
    const pos = Math.floor((Math.floor(now / seg) * seg) / this.grid) * this.grid;
    this.rebaseAtWall(pos, wall);
    return pos;
  }

  /** The grid position at or after the position the wall clock names now (re-anchoring target). */
  wallPosition(): number {
    return this.gridAtOrAfter(Math.ceil((this.clock.wallMs() * this.sampleRate) / 1000));
  }

  /** Re-anchors so that `pos` is due at its UTC time on the wall clock as it reads now. */
  rebase(pos: number): void {
    this.rebaseAtWall(pos, this.clock.wallMs());
  }

  /** The last position due at monotonic time `monoMs` (positions before it have all fallen due). */
  dueAt(monoMs: number): number {
    return this.pos0 + Math.floor(((monoMs - this.mono0) * this.sampleRate) / 1000);
  }

  /** The program position (fractional) due at monotonic time `monoMs`. */
  positionAt(monoMs: number): number {
    return this.pos0 + ((monoMs - this.mono0) * this.sampleRate) / 1000;
  }

  /** Monotonic ms at which `pos` falls due. */
  monoOf(pos: number): number {
    return this.mono0 + ((pos - this.pos0) * 1000) / this.sampleRate;
  }

  /** Unix ms of `pos`: by definition of the timeline. */
  wallMsOf(pos: number): number {
    return (pos * 1000) / this.sampleRate;
  }

  /**
   * Called once per tick with the next position the program will produce: the grid position to
   * jump to when the wall clock has moved ahead of the program clock (the encoders restart
   * there), else null. A backward step is absorbed here without a jump: the clock is rebased so
   * that `pos` falls due at its UTC time, i.e. the program pauses and no sequence goes back.
   * Policy: clock-policy.ts, docs/redundancy.md.
   */
  check(pos: number): { to: number; reason: string } | null {
    const offsetMs = this.offsetMs();
    const v = this.policy.check({ pos, offsetMs, wallPos: this.wallPosition() });
    if (v.action === "none") return null;
    if (v.action === "run-ahead") {
      this.o.report?.("ANTENNE_CLOCK_AHEAD", { offsetMs: Math.round(offsetMs) });
      return null;
    }
    const { to, direction, reason } = v.reanchor;
    this.reanchors[direction]++;
    this.o.report?.("ANTENNE_CLOCK_REANCHORED", {
      direction,
      reason,
      offsetMs: Math.round(offsetMs),
      from: pos,
      to,
    });
    if (direction === "backward") {
      this.rebase(pos);
      return null;
    }
    return { to, reason };
  }

  /** Wall clock minus program clock, ms: positive when the wall clock runs ahead. */
  offsetMs(): number {
    const programWall = this.wallMsOf(this.pos0) + (this.clock.monoMs() - this.mono0);
    return this.clock.wallMs() - programWall;
  }

  private rebaseAtWall(pos: number, wall: number): void {
    this.pos0 = pos;
    this.mono0 = this.clock.monoMs() + (this.wallMsOf(pos) - wall);
  }

  private gridAtOrAfter(p: number): number {
    return Math.ceil(p / this.grid) * this.grid;
  }
}
