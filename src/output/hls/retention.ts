/**
 * Deletes segment files once they have been out of every playlist for the
 * retention time (one playlist duration), so a client that loaded the playlist
 * just before the segment left it can still fetch it. Driven by the caller's
 * clock (`sweep(nowMs)`), never by timers of its own.
 */
import { readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../types/index.js";

export interface StrayScan {
  /** Our segment names (any profile, any earlier configuration). */
  pattern: RegExp;
  /** Files some playlist lists now: never touched. */
  listed: ReadonlySet<string>;
  /** Files the previous run listed until it stopped: they leave the playlist now. */
  leftNow: ReadonlySet<string>;
  /** How long a segment stays listed after it is written (window duration). */
  listedForMs: number;
  /** Leftover temp files of our interrupted atomic writes (util/atomic.ts names them `<file>.<pid>.<n>.tmp`). */
  tmpPattern: RegExp;
}

export class Retention {
  /** file name → wall ms at which it left the last playlist. */
  private readonly queue = new Map<string, number>();
  private failures = 0;

  constructor(
    private readonly dir: string,
    private readonly retentionMs: number,
    private readonly log: Logger,
  ) {}

  get pending(): number {
    return this.queue.size;
  }

  /** Deletions that failed (other than "already gone"); they are retried on the next sweep. */
  get errors(): number {
    return this.failures;
  }

  schedule(name: string, leftAtMs: number): void {
    if (!this.queue.has(name)) this.queue.set(name, leftAtMs);
  }

  /** A file listed again (a re-listed previous run) must not be deleted. */
  cancel(name: string): void {
    this.queue.delete(name);
  }

  /** Deletes every file whose retention has passed; returns their names. */
  async sweep(nowMs: number): Promise<string[]> {
    const due = [...this.queue].filter(([, left]) => nowMs - left >= this.retentionMs).map(([n]) => n);
    const deleted: string[] = [];
    for (const name of due) {
      try {
        await unlink(join(this.dir, name));
        deleted.push(name);
        this.queue.delete(name);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") {
          this.queue.delete(name);
          continue;
        }
        this.failures++;
        this.log.warn({ err, file: name, failures: this.failures }, "cannot delete aged-out HLS segment");
      }
    }
    return deleted;
  }

  /**
   * At start: files of ours that no playlist lists are scheduled. A stray file's
   * leaving time is not known; it left no earlier than `listedForMs` after it was
   * written (its mtime), which is the estimate used, so it is never deleted early.
   */
  async scanStrays(s: StrayScan, nowMs: number): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      this.log.warn({ err, dir: this.dir }, "cannot list HLS directory for cleanup");
      return;
    }
    for (const name of names) {
      if (s.tmpPattern.test(name)) {
        await unlink(join(this.dir, name)).catch(() => undefined);
        continue;
      }
      if (!s.pattern.test(name) || s.listed.has(name)) continue;
      if (s.leftNow.has(name)) {
        this.schedule(name, nowMs);
        continue;
      }
      try {
        const st = await stat(join(this.dir, name));
        this.schedule(name, Math.min(nowMs, st.mtimeMs + s.listedForMs));
      } catch {
        // Gone meanwhile: nothing to clean.
      }
    }
    await this.sweep(nowMs);
  }
}
