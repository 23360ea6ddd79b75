/**
 * One variant's sliding window on the epoch grid.
 *
 * A media playlist numbers its segments implicitly (MEDIA-SEQUENCE + index), so it cannot skip
 * a sequence. A sequence this instance could not produce (before its start, while it restarted,
 * across a re-anchoring, after a failed write) is listed as a gap: the same URI, EXTINF and PDT
 * as the peer instance lists for it (they come from the grid), tagged EXT-X-GAP. The timeline
 * never breaks (PTS comes from the grid too), so no EXT-X-DISCONTINUITY is ever needed and the
 * discontinuity sequence stays 0 on every instance (docs/redundancy.md: why GAP).
 *
 * Invariants:
 * - the window ends at the newest segment this instance has (`last`) and never moves back;
 * - it starts at max(last − size + 1, the oldest segment it has in that range): leading gaps
 *   are trimmed, inner gaps are listed;
 * - the only edits are appending at the end and removing from the front (RFC 8216 §6.2.1).
 */
import { gridSegment, type Grid } from "./epoch-grid.js";
import type { PlaylistEntry } from "./playlists.js";

export class EpochWindow {
  /** Sequences whose segment exists (written by this run or found on disk), in the window. */
  private readonly have = new Set<number>();
  private newest: number | null = null;

  constructor(
    private readonly grid: Grid,
    private readonly size: number,
    private readonly uriOf: (k: number) => string,
  ) {}

  get last(): number | null {
    return this.newest;
  }

  has(k: number): boolean {
    return this.have.has(k);
  }

  /**
   * Adds segment k. Returns null when k is not after the window's end (a sequence is never
   * listed twice nor the window moved back), else the sequences that left the window.
   */
  add(k: number): number[] | null {
    if (this.newest !== null && k <= this.newest) return null;
    this.have.add(k);
    this.newest = k;
    const start = k - this.size + 1;
    const left: number[] = [];
    for (const h of this.have) if (h < start) left.push(h);
    for (const h of left) this.have.delete(h);
    return left.sort((a, b) => a - b);
  }

  /** The entries to list, oldest first. */
  entries(): PlaylistEntry[] {
    if (this.newest === null) return [];
    let start = this.newest - this.size + 1;
    while (!this.have.has(start)) start++;
    const out: PlaylistEntry[] = [];
    for (let k = start; k <= this.newest; k++) {
      const g = gridSegment(this.grid, k);
      out.push({
        sequence: k,
        uri: this.uriOf(k),
        durationSec: g.durationSec,
        pdtMs: g.pdtMs,
        discontinuity: false,
        gap: !this.have.has(k),
      });
    }
    return out;
  }
}

export interface RestorePlan {
  /** Sequences to list again, oldest first. */
  keep: number[];
  /** Sequences on disk that are not listed again (older than the window, or ahead of now). */
  drop: number[];
}

/**
 * What a restarted instance does with the segments it finds on disk for one variant: the ones
 * a window ending at the newest of them would list are kept, if that window is still current at
 * `nowK` (the grid index the wall clock is in); the rest leave. Segments ahead of `nowK` were
 * written under a clock that ran ahead: listing them would stop the window from advancing.
 */
export function planRestore(found: readonly number[], size: number, nowK: number): RestorePlan {
  const sorted = [...new Set(found)].sort((a, b) => a - b);
  const usable = sorted.filter((k) => k < nowK);
  const newest = usable.at(-1);
  const fresh = newest !== undefined && newest > nowK - size;
  const keep = fresh ? usable.filter((k) => k > newest - size) : [];
  const kept = new Set(keep);
  return { keep, drop: sorted.filter((k) => !kept.has(k)) };
}
