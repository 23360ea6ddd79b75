import { spawn, type ChildProcess } from "node:child_process";
import type { Logger } from "pino";
import type { Clock, TimerHandle } from "../clock/clock.js";
import { Backoff } from "../util/backoff.js";
import { TypedEmitter } from "../util/events.js";
import { PipeReader, PipeWriter, closeFd, osPipe } from "./os-pipe.js";

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
  /**
   * Child fds connected to polled OS pipes instead of Node streams (see os-pipe.ts): the
   * parent reads (`childReads: false`) or writes them on its own schedule, with no wake-up.
   */
  polled?: { fd: number; childReads: boolean; sizeBytes?: number }[];
}

/** The parent's ends of a child's polled pipes, by child fd; closed when the child goes. */
export interface PolledPipes {
  readers: Map<number, PipeReader>;
  writers: Map<number, PipeWriter>;
}

export interface SupervisedEvents {
  /** A new child runs (first start or restart); wire its stdio here. */
  spawn: (child: ChildProcess, run: number, pipes: PolledPipes) => void;
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
  private pipes: PolledPipes | null = null;
  private run = 0;
  private closed = false;
  private readonly backoff: Backoff;
  private timer: TimerHandle | null = null;
  private startedAt = 0;
  restarts = 0;
  lastError: string | null = null;

  constructor(
    private readonly spec: ChildSpec,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {
    super(log);
    this.backoff = new Backoff({
      initialMs: spec.initialBackoffMs ?? 200,
      maxMs: spec.maxBackoffMs ?? 30_000,
    });
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
    const stdio: ("pipe" | number)[] = Array.from(
      { length: Math.max(3, this.spec.stdio ?? 3) },
      () => "pipe",
    );
    const pipes: PolledPipes = { readers: new Map(), writers: new Map() };
    const childEnds: number[] = [];
    for (const p of this.spec.polled ?? []) {
      const { parentFd, childFd } = osPipe(p.childReads, p.sizeBytes);
      stdio[p.fd] = childFd;
      childEnds.push(childFd);
      if (p.childReads) pipes.writers.set(p.fd, new PipeWriter(parentFd, () => this.clock.monoMs()));
      else pipes.readers.set(p.fd, new PipeReader(parentFd));
    }
    let child: ChildProcess;
    try {
      child = spawn(this.spec.command, this.spec.args, { stdio });
    } finally {
      // The child has its copies (spawn returns after the exec); ours would keep the pipes open.
      for (const fd of childEnds) closeFd(fd);
    }
    this.closePipes();
    this.pipes = pipes;
    this.child = child;
    this.startedAt = this.clock.monoMs();
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
    this.emit("spawn", child, run, pipes);
  }

  private closePipes(): void {
    if (!this.pipes) return;
    for (const r of this.pipes.readers.values()) r.close();
    for (const w of this.pipes.writers.values()) w.close();
    this.pipes = null;
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
    this.closePipes();
    if (this.closed) return;
    this.lastError = error ?? `exited with ${signal ? `signal ${signal}` : `code ${code}`}`;
    const upMs = this.clock.monoMs() - this.startedAt;
    if (upMs > (this.spec.stableMs ?? 10_000)) this.backoff.reset();
    const retryInMs = this.backoff.next();
    this.log.warn(
      {
        child: this.spec.name,
        code,
        signal,
        run,
        started,
        upMs: Math.round(upMs),
        retryInMs,
      },
      started ? "child died; restarting" : "child failed to start; retrying",
    );
    this.emit("exit", { code, signal, run, started });
    this.restarts++;
    this.timer = this.clock.timeout(() => {
      this.timer = null;
      this.start();
    }, retryInMs);
  }

  /** Kills the current child and starts a new one now (e.g. a stalled encoder). */
  restartNow(reason: string, level: "info" | "warn" = "warn"): void {
    const child = this.child;
    if (!child || this.closed) return;
    this.log[level]({ child: this.spec.name, reason }, "restarting child");
    this.lastError = reason;
    this.child = null;
    this.closePipes();
    this.restarts++;
    child.kill("SIGKILL");
    this.emit("exit", { code: null, signal: "SIGKILL", run: this.run, started: true });
    this.start();
  }

  /** Idempotent: stops restarting, asks the child to quit, kills it if it lingers. */
  async close(graceMs = 1000): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    const child = this.child;
    this.child = null;
    // Closing our writing ends is the child's end of input (as stdin.end() was).
    this.closePipes();
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const killTimer = this.clock.timeout(() => child.kill("SIGKILL"), graceMs);
      child.once("exit", () => {
        killTimer.cancel();
        resolve();
      });
      child.stdin?.end();
      child.kill("SIGTERM");
    });
  }
}
