/**
 * `antenne run` checks its channel file in a worker thread: the validator (zod), the YAML parser
 * and their code stay out of the daemon's heap for its whole life (~4 MiB of resident memory,
 * docs/benchmarks.md). The file is read and checked exactly as `antenne check` does.
 */
import { Worker } from "node:worker_threads";
import type { ChannelConfig } from "./load.js";
import { ConfigError, type ConfigIssue } from "./issues.js";

export type WorkerAnswer =
  { ok: true; config: ChannelConfig } | { ok: false; issues: ConfigIssue[] } | { ok: false; crash: string };

export function loadChannelIsolated(file: string): Promise<ChannelConfig> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./load-worker-main.js", import.meta.url), { workerData: { file } });
    let answered = false;
    worker.once("message", (a: WorkerAnswer) => {
      answered = true;
      if (a.ok) resolve(a.config);
      else if ("issues" in a) reject(new ConfigError(a.issues));
      else reject(new Error(a.crash));
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (!answered) reject(new Error(`the channel file check exited (${code}) without an answer`));
    });
  });
}
