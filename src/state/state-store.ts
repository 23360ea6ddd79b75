import { mkdirSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { Logger } from "pino";
import type { ErrorReporter } from "../errors/reporter.js";
import type { StateStore } from "../types/index.js";
import { writeAtomic } from "../util/atomic.js";

/**
 * The channel's persisted state (the preferred input) in one small JSON file. `set` changes the
 * value in memory at once and writes the file asynchronously, off the audio path: writes never
 * overlap and coalesce (the latest value wins), each atomic (temp file + rename). Without a path
 * the state lives in memory only.
 */
export class FileStateStore implements StateStore {
  private data: Record<string, unknown> = {};
  private writing: Promise<void> | null = null;
  private dirty = false;
  writeErrors = 0;

  constructor(
    private readonly path: string | null,
    private readonly log: Logger,
    private readonly errors: ErrorReporter,
  ) {
    if (!path) return;
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
        this.data = parsed as Record<string, unknown>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT")
        errors.report("ANTENNE_STATE_UNREADABLE", { err, path });
    }
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch {
      // Reported by the first write.
    }
  }

  get<T>(key: string): T | undefined {
    return this.data[key] as T | undefined;
  }

  set(key: string, value: unknown): void {
    if (value === undefined) delete this.data[key];
    else this.data[key] = value;
    if (!this.path) return;
    this.dirty = true;
    this.writing ??= this.writeLoop(this.path);
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async writeLoop(path: string): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        const text = JSON.stringify(this.data, null, 1) + "\n";
        try {
          await mkdir(dirname(path), { recursive: true });
          await writeAtomic(path, text);
        } catch (err) {
          this.writeErrors++;
          this.errors.report("ANTENNE_STATE_WRITE_FAILED", { err, path });
        }
      }
    } finally {
      this.writing = null;
    }
    this.log.debug({ path }, "state written");
  }
}
