import { spawn, type ChildProcess } from "node:child_process";
import type { Logger } from "pino";
import { TypedEmitter } from "../util/events.js";

export interface ChildSpec {
  /** Name used in logs, e.g. "encoder:hifi". */
  name: string;
  command: string;
  args: string[];
  /** First restart delay; doubles up to maxBackoffMs. Reset after the child stayed up for stableMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  stableMs?: number;
  /** Number of stdio pipes (≥ 3); fds 3+ are extra output pipes. */
  stdio?: number;
}

export interface SupervisedEvents {
  /** A new child runs (first start or restart); wire its stdio here. */
  spawn: (child: ChildProcess, run: number) => void;
  /** A child ended without being asked to: `started` false means it never got going. */
  exit: (info: { code: number | null; signal: NodeJS.Signals | null; run: number; started: boolean }) => void;
  stderr: (line: string) => void;
}

/**
 * The one place that spawns children: logs stderr line by line, tells "failed to
 * start" from "died", ignores exits it caused, restarts with backoff (first restart
 * within 250 ms, so a crashed encoder is back well within 1 s), kills on close.
 */
export class Supervised extends TypedEmitter<SupervisedEvents> {
  private child: ChildProcess | null = null;
  private run = 0;
  private closed = false;
  private backoffMs: number;
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  restarts = 0;
  lastError: string | null = null;

  constructor(
    private readonly spec: ChildSpec,
    private readonly log: Logger,
  ) {
    super(log);
    this.backoffMs = spec.initialBackoffMs ?? 200;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null;
  }

  start(): void {
    if (this.closed || this.child) return;
    const run = ++this.run;
    const child = spawn(this.spec.command, this.spec.args, {
      stdio: Array.from({ length: Math.max(3, this.spec.stdio ?? 3) }, () => "pipe" as const),
    });
    this.child = child;
    this.startedAt = performance.now();
    let spawned = false;
    child.once("spawn", () => {
      spawned = true;
      this.log.debug({ child: this.spec.name, pid: child.pid, run }, "child started");
    });
    // EPIPE on stdin when a child dies is expected; the exit handler restarts it.
    child.stdin?.on("error", () => undefined);
    let partial = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (s: string) => {
      const lines = (partial + s).split(/\r?\n|\r/);
      partial = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) this.onStderr(line);
    });
    child.once("error", (err) => {
      // Spawn failures (ENOENT, EACCES) come here and never produce "exit".
      if (!spawned) this.onExit(child, run, null, null, false, err.message);
    });
    child.once("exit", (code, signal) => this.onExit(child, run, code, signal, spawned, null));
    this.emit("spawn", child, run);
  }

  private onStderr(line: string): void {
    this.log.debug({ child: this.spec.name }, line);
    this.emit("stderr", line);
  }

  private onExit(
    child: ChildProcess,
    run: number,
    code: number | null,
    signal: NodeJS.Signals | null,
    started: boolean,
    error: string | null,
  ): void {
    if (this.child !== child) return; // an exit we caused (close or kill-and-replace)
    this.child = null;
    if (this.closed) return;
    this.lastError = error ?? `exited with ${signal ? `signal ${signal}` : `code ${code}`}`;
    const upMs = performance.now() - this.startedAt;
    if (upMs > (this.spec.stableMs ?? 10_000)) this.backoffMs = this.spec.initialBackoffMs ?? 200;
    this.log.warn(
      {
        child: this.spec.name,
        code,
        signal,
        run,
        started,
        upMs: Math.round(upMs),
        retryInMs: this.backoffMs,
      },
      started ? "child died; restarting" : "child failed to start; retrying",
    );
    this.emit("exit", { code, signal, run, started });
    this.restarts++;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.start();
    }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, this.spec.maxBackoffMs ?? 30_000);
  }

  /** Kills the current child and starts a new one now (e.g. a stalled encoder). */
  restartNow(reason: string, level: "info" | "warn" = "warn"): void {
    const child = this.child;
    if (!child || this.closed) return;
    this.log[level]({ child: this.spec.name, reason }, "restarting child");
    this.lastError = reason;
    this.child = null;
    this.restarts++;
    child.kill("SIGKILL");
    this.emit("exit", { code: null, signal: "SIGKILL", run: this.run, started: true });
    this.start();
  }

  /** Idempotent: stops restarting, asks the child to quit, kills it if it lingers. */
  async close(graceMs = 1000): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const killTimer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      child.once("exit", () => {
        clearTimeout(killTimer);
        resolve();
      });
      child.stdin?.end();
      child.kill("SIGTERM");
    });
  }
}
