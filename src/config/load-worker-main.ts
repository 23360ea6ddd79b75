/** The worker of load-isolated.ts: loads one channel file and posts the result, then ends. */
import { parentPort, workerData } from "node:worker_threads";
import { ConfigError } from "./issues.js";
import { loadChannelFile } from "./load.js";
import type { WorkerAnswer } from "./load-isolated.js";

const { file } = workerData as { file: string };
let answer: WorkerAnswer;
try {
  answer = { ok: true, config: loadChannelFile(file) };
} catch (err) {
  answer =
    err instanceof ConfigError
      ? { ok: false, issues: err.issues }
      : { ok: false, crash: err instanceof Error ? (err.stack ?? err.message) : String(err) };
}
parentPort!.postMessage(answer);
