/**
 * Where HLS files go: the storage seam of the HLS output. The output decides what to write and
 * when to delete (the epoch window and retention); a store only carries it out.
 *
 * Two implementations: the local directory (`LocalDiskStore`, awaited: a playlist is written only
 * after the segments it lists are on disk) and an HTTP origin (`OriginStore`, origin-store.ts:
 * queued, never awaited by the local output).
 */
import { mkdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { writeAtomic } from "../../util/atomic.js";

/** How a segment is offered to a store shared with peer instances. */
export interface PutSegmentOptions {
  /** Grid index (media sequence) of the segment. */
  k: number;
  /**
   * The program carries no studio input (safety or blank): a peer that still has the studio
   * owns this name at a shared origin, so the store must not replace a copy already there.
   */
  degraded: boolean;
}

export interface SegmentStore {
  /** Local disk: resolves once the file is in place (rejects on error). Origin: once queued. */
  putSegment(name: string, data: Buffer, o: PutSegmentOptions): Promise<void>;
  /** Same contract; an older queued version of the same playlist is superseded. */
  putPlaylist(name: string, text: string, o: { degraded: boolean }): Promise<void>;
  /** Removes a file that aged out; a file already gone is not an error. */
  delete(name: string): Promise<void>;
  close(): Promise<void>;
}

/** The output directory: atomic writes (temp file + rename), so readers never see a part. */
export class LocalDiskStore implements SegmentStore {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  putSegment(name: string, data: Buffer): Promise<void> {
    return writeAtomic(join(this.dir, name), data);
  }

  putPlaylist(name: string, text: string): Promise<void> {
    return writeAtomic(join(this.dir, name), text);
  }

  async delete(name: string): Promise<void> {
    try {
      await unlink(join(this.dir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
