import { spawn, type ChildProcess } from "node:child_process";

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a command to completion, killed by its PID after `timeoutMs`. */
export function run(
  cmd: string,
  args: string[],
  opts: { timeoutMs: number; input?: Buffer | string },
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.stdin.on("error", () => undefined);
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** A long-running child that a test must stop: `stop()` kills it by PID, bounded in time. */
export class Background {
  readonly child: ChildProcess;
  stderr = "";
  private exited: Promise<void>;

  constructor(cmd: string, args: string[], maxLifetimeMs: number) {
    this.child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout?.resume();
    this.child.stderr?.on("data", (b: Buffer) => {
      if (this.stderr.length < 100_000) this.stderr += b.toString();
    });
    const limit = setTimeout(() => this.child.kill("SIGKILL"), maxLifetimeMs);
    this.exited = new Promise((res) =>
      this.child.once("close", () => {
        clearTimeout(limit);
        res();
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
      const force = setTimeout(() => this.child.kill("SIGKILL"), 3000);
      await this.exited;
      clearTimeout(force);
    }
  }

  wait(): Promise<void> {
    return this.exited;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * THE poll helper: calls `fn` every `everyMs` until it returns a truthy value (returned) or
 * `timeoutMs` passes (throws, naming `what` and the last error `fn` threw, if any). A throwing
 * `fn` is retried: a server not up yet is not a failure.
 */
export async function until<T>(
  fn: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
  everyMs = 100,
): Promise<NonNullable<T>> {
  const end = performance.now() + timeoutMs;
  let lastErr: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastErr = err;
    }
    if (performance.now() > end)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ""}`,
      );
    await sleep(everyMs);
  }
}

/** `until`, answering how long it took (ms): for tests that report a delay. */
export async function timeUntil(
  fn: () => unknown,
  timeoutMs: number,
  what: string,
  everyMs = 5,
): Promise<number> {
  const t0 = performance.now();
  await until(fn, timeoutMs, what, everyMs);
  return performance.now() - t0;
}
