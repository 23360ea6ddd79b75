/**
 * Watches a media playlist by polling it (every `everyMs`) and records, for every segment, the
 * wall time (ms since the epoch) of the first poll that saw it listed. Optionally copies each
 * newly listed segment away at once (daemons delete segments that leave their window).
 */
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseMedia } from "../../test/helpers/m3u8.js";

export interface Listed {
  uri: string;
  durationS: number;
  /** Wall time of the poll that first saw it, ms since the epoch. */
  listedAtMs: number;
  /** PROGRAM-DATE-TIME when the playlist has one, ms since the epoch. */
  pdtMs: number | null;
  /** Where it was copied to (with copyTo), or null when it was gone already. */
  copy: string | null;
}

export class PlaylistWatch {
  readonly listed: Listed[] = [];
  private readonly seen = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  /** The most time any poll took to come around (ms): the listing times' resolution. */
  worstPollGapMs = 0;
  private lastPoll = NaN;

  constructor(
    readonly path: string,
    private readonly everyMs: number,
    private readonly copyTo: string | null = null,
    private readonly now: () => number = Date.now,
  ) {}

  start(): this {
    const tick = () => {
      this.poll();
      this.timer = setTimeout(tick, this.everyMs);
    };
    tick();
    return this;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One look at the playlist; new segments are recorded with this poll's time. */
  poll(): void {
    const t = this.now();
    if (Number.isFinite(this.lastPoll))
      this.worstPollGapMs = Math.max(this.worstPollGapMs, t - this.lastPoll);
    this.lastPoll = t;
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch {
      return; // not written yet
    }
    let segments;
    try {
      segments = parseMedia(text).segments;
    } catch {
      return; // caught mid-write (a daemon that does not rename): next poll
    }
    for (const s of segments) {
      if (this.seen.has(s.uri)) continue;
      this.seen.add(s.uri);
      this.listed.push({
        uri: s.uri,
        durationS: s.duration,
        listedAtMs: t,
        pdtMs: s.pdtMs,
        copy: this.copy(s.uri),
      });
    }
  }

  private copy(uri: string): string | null {
    if (!this.copyTo) return null;
    const src = join(dirname(this.path), uri);
    const dst = join(this.copyTo, `${String(this.listed.length).padStart(5, "0")}-${basename(uri)}`);
    try {
      if (!existsSync(src)) return null;
      copyFileSync(src, dst);
      return dst;
    } catch {
      return null;
    }
  }

  /** Segments first seen at or after `fromMs`. */
  since(fromMs: number): Listed[] {
    return this.listed.filter((s) => s.listedAtMs >= fromMs);
  }
}

/**
 * How late each segment was listed against the channel's own schedule (pure): a real-time
 * channel lists segment k at t0 + (sum of the durations before it) + a constant delay. The
 * constant is taken as the smallest observed (the segment listed earliest relative to its
 * content), so lateness is ≥ 0 and jitter or a channel falling behind shows as growth.
 * `skipFirst` segments are ignored (start-up).
 */
export function lateness(listed: Listed[], skipFirst = 1): number[] {
  const xs = listed.slice(skipFirst);
  let cum = 0;
  const rel = xs.map((s) => {
    const r = s.listedAtMs / 1000 - cum;
    cum += s.durationS;
    return r;
  });
  const base = Math.min(...rel);
  return rel.map((r) => r - base);
}
