/**
 * The bounded, ordered queue of an origin push (pure: no I/O, no clock of its own).
 *
 * Invariants:
 * - items leave in the order they came, so a segment reaches the origin before the playlist
 *   that lists it, and a DELETE after the playlists that no longer list the file;
 * - a playlist supersedes any queued older version of itself (only the newest matters, and an
 *   old one sent late would move the origin's playlist back);
 * - at most `max` items wait: beyond, the oldest is dropped and counted (a dead origin must not
 *   eat memory; the local output never waits for it).
 */

export type PushKind = "segment" | "playlist" | "delete";

export interface PushItem {
  kind: PushKind;
  name: string;
  data: Buffer | null;
  /** Offered by a degraded instance: never replace a copy a healthy peer put there. */
  degraded: boolean;
  /** Monotonic ms before which it must not be sent (a degraded instance lets its peer go first). */
  notBeforeMs: number;
  /** Attempts made so far. */
  attempts: number;
}

export class PushQueue {
  private items: PushItem[] = [];
  private droppedCount = 0;

  constructor(private readonly max: number) {}

  get length(): number {
    return this.items.length;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  /** Queues `item`; returns the items dropped to make room (oldest first). */
  add(item: PushItem): PushItem[] {
    if (item.kind === "playlist") this.items = this.items.filter((q) => q.name !== item.name);
    this.items.push(item);
    const over = Math.max(0, this.items.length - this.max);
    const dropped = this.items.splice(0, over);
    this.droppedCount += dropped.length;
    return dropped;
  }

  /** The next item to send, if it is due (items behind a waiting head wait too: order). */
  take(nowMs: number): PushItem | null {
    const head = this.items[0];
    if (!head || head.notBeforeMs > nowMs) return null;
    this.items.shift();
    return head;
  }

  /** Monotonic ms at which the head becomes due; null when empty. */
  nextDueMs(): number | null {
    return this.items[0]?.notBeforeMs ?? null;
  }

  /** A newer version of this playlist is waiting: retrying the old one is pointless. */
  superseded(item: PushItem): boolean {
    return item.kind === "playlist" && this.items.some((q) => q.name === item.name);
  }

  clear(): void {
    this.items = [];
  }
}
