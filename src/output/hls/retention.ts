/**
 * When segment files may be deleted: a file leaves the disk (and the origin) no sooner than
 * one playlist duration after it left the playlist, so a client that loaded the playlist just
 * before can still fetch it. Pure bookkeeping on the caller's wall clock: the output computes
 * deadlines and carries deletions out through its stores.
 */
export class Retention {
  /** file name → wall ms from which it may be deleted. */
  private readonly deadlines = new Map<string, number>();

  get pending(): number {
    return this.deadlines.size;
  }

  /** The earliest deadline wins: a file scheduled twice is deleted at the first. */
  schedule(name: string, deleteAtMs: number): void {
    const prev = this.deadlines.get(name);
    if (prev === undefined || deleteAtMs < prev) this.deadlines.set(name, deleteAtMs);
  }

  /** Removes and returns the files whose deadline has passed. */
  takeDue(nowMs: number): string[] {
    const due: string[] = [];
    for (const [name, at] of this.deadlines) if (at <= nowMs) due.push(name);
    for (const name of due) this.deadlines.delete(name);
    return due;
  }
}
