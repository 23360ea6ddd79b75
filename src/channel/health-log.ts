/**
 * When the program was degraded (on a source that cannot fail, or blank), on the program
 * timeline: an HLS segment made partly on the safety source is a degraded segment even if the
 * studio was back when it closed (a cache and an origin must prefer the peer's copy of it).
 * Bounded: only the last `keep` changes are held (a few minutes of flapping at most).
 */
export class HealthLog {
  /** Positions where the state changed, and the state from there on. */
  private readonly changes: { pos: number; degraded: boolean }[] = [];

  constructor(private readonly keep = 256) {}

  /** The state of the frame at `pos` (called for every program frame, in order). */
  note(pos: number, degraded: boolean): void {
    const last = this.changes.at(-1);
    if (last && last.degraded === degraded) return;
    this.changes.push({ pos, degraded });
    if (this.changes.length > this.keep) this.changes.shift();
  }

  /** Whether any part of [from, to) was degraded. Before the first note: not degraded. */
  during(from: number, to: number): boolean {
    for (let i = this.changes.length - 1; i >= 0; i--) {
      const c = this.changes[i]!;
      const end = this.changes[i + 1]?.pos ?? Infinity;
      if (c.degraded && c.pos < to && end > from) return true;
      if (end <= from) break;
    }
    return false;
  }
}
