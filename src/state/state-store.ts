import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import type { StateStore } from "../stages.js";
import { writeAtomicSync } from "../util/atomic.js";

/**
 * The channel's persisted state (preferred input, HLS sequence) in one small JSON file,
 * written atomically on every change, so a restart continues where the last run stopped.
 * Without a path it lives in memory only.
 */
export class FileStateStore implements StateStore {
  private data: Record<string, unknown> = {};
  writeErrors = 0;

  constructor(
    private readonly path: string | null,
    private readonly log: Logger,
  ) {
    if (!path) return;
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
        this.data = parsed as Record<string, unknown>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        log.warn({ err, path }, "state file unreadable; starting from scratch");
      }
    }
  }

  get<T>(key: string): T | undefined {
    return this.data[key] as T | undefined;
  }

  set(key: string, value: unknown): void {
    if (value === undefined) delete this.data[key];
    else this.data[key] = value;
    if (!this.path) return;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      writeAtomicSync(this.path, JSON.stringify(this.data, null, 1) + "\n");
    } catch (err) {
      this.writeErrors++;
      this.log.error({ err, path: this.path }, "cannot write state file");
    }
  }
}

/** An in-memory store (tests, channels without statePath). */
export class MemoryStateStore implements StateStore {
  private readonly data = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  set(key: string, value: unknown): void {
    this.data.set(key, value);
  }
}
