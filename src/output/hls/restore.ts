/**
 * A restarted HLS output picks up where the previous run left off, from the files on disk: the
 * segments a window ending now could still list are listed again (clients keep playing while
 * the first new segment is made, and the sequences in between become gaps), and everything
 * else is scheduled for deletion when it would have aged out anyway.
 */
import { gridSegment, indexOf, posOfMs } from "./epoch-grid.js";
import { planRestore } from "./epoch-window.js";
import type { ScannedDir } from "./dir-scan.js";
import type { Retention } from "./retention.js";
import type { Variant } from "./variant.js";

export interface RestoreOptions {
  nowMs: number;
  windowSegments: number;
  /** A file stays this long after it left the playlist (one playlist duration). */
  retentionMs: number;
}

/** Re-lists and schedules; returns how many segments were listed again. */
export function restoreFromDisk(
  variants: readonly Variant[],
  scan: ScannedDir,
  retention: Retention,
  o: RestoreOptions,
): number {
  let relisted = 0;
  for (const v of variants) {
    const nowK = indexOf(v.grid, posOfMs(o.nowMs, v.grid.rate));
    const plan = planRestore(scan.found.get(v.profile) ?? [], o.windowSegments, nowK);
    for (const k of plan.keep) v.window.add(k);
    relisted += plan.keep.length;
    for (const k of plan.drop) {
      // Segment k left the window when segment k + W was listed, i.e. when it ended.
      const leftMs = gridSegment(v.grid, k + o.windowSegments + 1).pdtMs;
      retention.schedule(v.uriOf(k), Math.min(o.nowMs, leftMs) + o.retentionMs);
    }
  }
  // Another configuration's files: listed at most a window after they were written.
  for (const s of scan.strays) {
    retention.schedule(s.name, Math.min(o.nowMs, s.mtimeMs + o.retentionMs) + o.retentionMs);
  }
  return relisted;
}
