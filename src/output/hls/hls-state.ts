/**
 * What the HLS output persists under the state key "hls" so a restarted daemon
 * continues the media sequence and re-lists the segments clients may still be
 * fetching. The state file is JSON on disk: everything is validated on load and
 * anything malformed is ignored rather than trusted.
 */
import type { PlaylistEntry } from "./playlists.js";
import type { WindowSnapshot } from "./media-window.js";

export const HLS_STATE_KEY = "hls";

export interface HlsState {
  /** The sequence the next run's first segment gets. */
  nextSequence: number;
  /** Of the first variant; each variant's own value is in `variants`. */
  discontinuitySequence: number;
  variants: Record<string, WindowSnapshot>;
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

function parseEntry(v: unknown): PlaylistEntry | null {
  if (typeof v !== "object" || v === null) return null;
  const e = v as Record<string, unknown>;
  if (!isInt(e.sequence) || typeof e.uri !== "string" || !/^[^/\\]+\.ts$/.test(e.uri)) return null;
  if (typeof e.durationSec !== "number" || !(e.durationSec > 0)) return null;
  if (typeof e.pdtMs !== "number" || !Number.isFinite(e.pdtMs)) return null;
  return {
    sequence: e.sequence,
    uri: e.uri,
    durationSec: e.durationSec,
    pdtMs: e.pdtMs,
    discontinuity: e.discontinuity === true,
  };
}

export function parseHlsState(raw: unknown): HlsState | null {
  if (typeof raw !== "object" || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (!isInt(r.nextSequence)) return null;
  const variants: Record<string, WindowSnapshot> = {};
  if (typeof r.variants === "object" && r.variants !== null) {
    for (const [profile, v] of Object.entries(r.variants as Record<string, unknown>)) {
      if (typeof v !== "object" || v === null) continue;
      const w = v as Record<string, unknown>;
      const entries = Array.isArray(w.entries) ? w.entries.map(parseEntry) : [];
      variants[profile] = {
        discontinuitySequence: isInt(w.discontinuitySequence) ? w.discontinuitySequence : 0,
        entries: entries.filter(
          (e): e is PlaylistEntry => e !== null && e.sequence < (r.nextSequence as number),
        ),
      };
    }
  }
  return {
    nextSequence: r.nextSequence,
    discontinuitySequence: isInt(r.discontinuitySequence) ? r.discontinuitySequence : 0,
    variants,
  };
}

/**
 * The longest run of entries, ending with the last one, whose files still exist
 * and whose sequences are consecutive (a playlist cannot skip a sequence).
 */
export function relistable(
  entries: readonly PlaylistEntry[],
  exists: (uri: string) => boolean,
): PlaylistEntry[] {
  const out: PlaylistEntry[] = [];
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (!e || !exists(e.uri)) break;
    const next = out[0];
    if (next && e.sequence !== next.sequence - 1) break;
    out.unshift(e);
  }
  return out;
}

export interface RestoreOptions {
  profiles: readonly string[];
  windowSegments: number;
  /** Whether a segment file is still on disk. */
  exists: (uri: string) => boolean;
  nowMs: number;
  /** Playlist duration: a previous run that ended longer ago than this is not re-listed. */
  windowMs: number;
}

export interface Restored {
  windows: Map<string, WindowSnapshot>;
  /** Files the previous run listed that are not listed again: they leave the playlist now. */
  leftNow: Set<string>;
}

/**
 * Each variant's window at start: the previous run's entries that can be listed
 * again. Not when the previous run ended more than a playlist duration ago: a
 * client would start from stale audio. Entries that are not re-listed leave the
 * playlist now, and their DISCONTINUITY tags bump the discontinuity sequence.
 */
export function restoreWindows(prev: HlsState | null, o: RestoreOptions): Restored {
  const windows = new Map<string, WindowSnapshot>();
  const leftNow = new Set<string>();
  for (const profile of o.profiles) {
    const w = prev?.variants[profile];
    if (!w) continue;
    const last = w.entries.at(-1);
    const fresh = last !== undefined && last.pdtMs + last.durationSec * 1000 >= o.nowMs - o.windowMs;
    const kept = fresh ? relistable(w.entries, o.exists).slice(-o.windowSegments) : [];
    const gone = w.entries.slice(0, w.entries.length - kept.length);
    for (const e of gone) leftNow.add(e.uri);
    windows.set(profile, {
      discontinuitySequence: w.discontinuitySequence + gone.filter((e) => e.discontinuity).length,
      entries: kept,
    });
  }
  return { windows, leftNow };
}
