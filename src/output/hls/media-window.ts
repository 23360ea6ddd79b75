/**
 * One variant's sliding window of segments and its discontinuity sequence.
 *
 * A media playlist numbers its segments implicitly (MEDIA-SEQUENCE + index), so
 * the window must hold consecutive sequences. When a sequence is missing (a
 * segment that could not be written, a variant behind the others at a daemon
 * restart), the window is emptied and restarts at the new segment with a
 * discontinuity: removing from the front and appending are the only edits RFC 8216
 * §6.2.1 allows a live playlist.
 */
import type { PlaylistEntry } from "./playlists.js";

export interface WindowSnapshot {
  discontinuitySequence: number;
  entries: PlaylistEntry[];
}

export class MediaWindow {
  private list: PlaylistEntry[];
  private discSeq: number;

  constructor(
    private readonly size: number,
    initial: WindowSnapshot = { discontinuitySequence: 0, entries: [] },
  ) {
    this.list = [...initial.entries];
    this.discSeq = initial.discontinuitySequence;
  }

  get entries(): readonly PlaylistEntry[] {
    return this.list;
  }

  get discontinuitySequence(): number {
    return this.discSeq;
  }

  get lastSequence(): number | null {
    return this.list.at(-1)?.sequence ?? null;
  }

  /** Appends `e`; returns the entries that left the window (their files must age out). */
  append(e: PlaylistEntry): PlaylistEntry[] {
    const last = this.lastSequence;
    const removed: PlaylistEntry[] = [];
    let entry = e;
    if (last !== null && e.sequence !== last + 1) {
      removed.push(...this.removeFirst(this.list.length));
      entry = { ...e, discontinuity: true };
    }
    this.list.push(entry);
    if (this.list.length > this.size) removed.push(...this.removeFirst(this.list.length - this.size));
    return removed;
  }

  snapshot(): WindowSnapshot {
    return { discontinuitySequence: this.discSeq, entries: [...this.list] };
  }

  private removeFirst(n: number): PlaylistEntry[] {
    const out = this.list.splice(0, n);
    // Every DISCONTINUITY tag that leaves the playlist bumps the sequence (RFC 8216 §4.3.3.3).
    for (const r of out) if (r.discontinuity) this.discSeq++;
    return out;
  }
}
