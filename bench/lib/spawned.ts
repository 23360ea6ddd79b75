/** A benchmark's long-running child: output to a log file, stopped by its PID, bounded in time. */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";

export class Spawned {
  readonly child: ChildProcess;
  private readonly gone: Promise<void>;

  constructor(
    cmd: string,
    args: string[],
    opts: { logFile: string; cwd?: string; env?: NodeJS.ProcessEnv; maxLifetimeMs: number },
  ) {
    const fd = openSync(opts.logFile, "a");
    this.child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", fd, fd] });
    closeSync(fd);
    const guard = setTimeout(() => this.child.kill("SIGKILL"), opts.maxLifetimeMs);
    this.gone = new Promise((r) =>
      this.child.once("close", () => {
        clearTimeout(guard);
        r();
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** SIGTERM, SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.exited) {
      this.child.kill("SIGTERM");
      const t = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      await this.gone;
      clearTimeout(t);
    }
  }
}
