/**
 * What a starting HLS output finds in its directory. Segment names carry the channel, codec,
 * profile, segment length, sequence and PDT second, so the previous run's window is rebuilt
 * from the names alone (no state file): a file belongs to a current variant when every part
 * matches it and its second is the one the grid gives its sequence (a file written at another
 * rate or under another rule is not ours to list).
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Codec } from "../../types/index.js";
import { gridSegment, type Grid } from "./epoch-grid.js";
import { parseSegmentName, tmpFilePattern } from "./playlists.js";

export interface ScanVariant {
  profile: string;
  codec: Codec;
  segmentSec: number;
  grid: Grid;
}

export interface ScannedDir {
  /** Segments of the current variants: profile → sequences found. */
  found: Map<string, number[]>;
  /** Our segment files of another configuration (profile, codec, length, rate), with mtimes. */
  strays: { name: string; mtimeMs: number }[];
  /** Leftovers of interrupted atomic writes. */
  tmp: string[];
}

export async function scanDir(
  dir: string,
  channel: string,
  variants: readonly ScanVariant[],
): Promise<ScannedDir> {
  const out: ScannedDir = { found: new Map(variants.map((v) => [v.profile, []])), strays: [], tmp: [] };
  const tmp = tmpFilePattern(channel);
  for (const name of await readdir(dir)) {
    if (tmp.test(name)) {
      out.tmp.push(name);
      continue;
    }
    const p = parseSegmentName(channel, name);
    if (!p) continue;
    const v = variants.find(
      (x) => x.profile === p.profile && x.codec === p.codec && x.segmentSec === p.segmentSec,
    );
    if (v && gridSegment(v.grid, p.sequence).unixTime === p.unixTime) {
      out.found.get(v.profile)?.push(p.sequence);
      continue;
    }
    try {
      out.strays.push({ name, mtimeMs: (await stat(join(dir, name))).mtimeMs });
    } catch {
      // Gone meanwhile: nothing to clean.
    }
  }
  return out;
}
