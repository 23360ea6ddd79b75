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

export class ProgramClock {
  private pos0 = 0;
  private mono0 = 0;

  constructor(
    private readonly clock: Clock,
    readonly sampleRate: number,
    readonly grid: number,
  ) {}

  /** The first grid position at or after the wall clock's now; it becomes due at its UTC time. */
  anchor(): number {
    const wall = this.clock.wallMs();
    const pos = this.gridAtOrAfter(Math.ceil((wall * this.sampleRate) / 1000));
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
   * Called once per tick: the grid position to jump to when the wall clock and the program clock
   * have parted too far (re-anchoring), else null. Policy: docs/redundancy.md.
   */
  check(_pos: number): { to: number; reason: string } | null {
    return null;
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
