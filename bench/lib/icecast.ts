/**
 * A private icecast2 for benchmarks, from the shared reference template, on a free loopback
 * port, stopped by its PID. Its source/client limits can be raised for many channels (density):
 * the template's 8 sources hold four channels of two mounts.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { httpGet, renderIcecastConfig } from "../../test/helpers/icecast-server.js";
import { freeTcpPort } from "../../test/helpers/ports.js";
import { until } from "../../test/helpers/proc.js";
import { referenceFile } from "./reference.js";

export class BenchIcecast {
  readonly password = "bench-pass";
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  /** Starts icecast2 and waits until it answers (10 s at most). */
  static async start(limits: { sources?: number; clients?: number } = {}): Promise<BenchIcecast> {
    const port = await freeTcpPort();
    const dir = mkdtempSync(join(tmpdir(), "antenne-bench-icecast-"));
    const logdir = join(dir, "icecast-log");
    mkdirSync(logdir);
    // As root, icecast2 drops to nobody: it must still reach and write its log dir.
    chmodSync(dir, 0o755);
    chmodSync(logdir, 0o777);
    let xml = renderIcecastConfig(readFileSync(referenceFile("icecast.xml.in"), "utf8"), {
      port,
      pass: "bench-pass",
      workdir: dir,
    });
    if (limits.sources) xml = xml.replace(/<sources>\d+<\/sources>/, `<sources>${limits.sources}</sources>`);
    if (limits.clients) xml = xml.replace(/<clients>\d+<\/clients>/, `<clients>${limits.clients}</clients>`);
    writeFileSync(join(dir, "icecast.xml"), xml);
    const child = spawn("icecast2", ["-c", join(dir, "icecast.xml")], { stdio: "ignore" });
    const srv = new BenchIcecast(port, dir, child);
    try {
      await until(() => srv.answers(), 10_000, `icecast2 on port ${port}`, 100);
    } catch (err) {
      await srv.dispose();
      throw err;
    }
    return srv;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** `http://source:pass@127.0.0.1:port/mount` */
  sourceUrl(mount: string): string {
    return `http://source:${this.password}@127.0.0.1:${this.port}/${mount.replace(/^\//, "")}`;
  }

  private async answers(): Promise<boolean> {
    if (this.child.exitCode !== null) throw new Error("icecast2 exited at start");
    try {
      return (
        (await httpGet(`http://127.0.0.1:${this.port}/status-json.xsl`, { timeoutMs: 1000 })).status === 200
      );
    } catch {
      return false;
    }
  }

  /** The mounts ("/x") that have a live source now. */
  async mounts(): Promise<Set<string>> {
    const r = await httpGet(`http://127.0.0.1:${this.port}/status-json.xsl`, { timeoutMs: 3000 });
    const src = (JSON.parse(r.body) as { icestats?: { source?: unknown } }).icestats?.source;
    const list = (Array.isArray(src) ? src : src ? [src] : []) as { listenurl?: string }[];
    return new Set(list.flatMap((s) => (s.listenurl ? [new URL(s.listenurl).pathname] : [])));
  }

  /** SIGTERM, SIGKILL after 3 s, then the temp dir goes. */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const gone = new Promise((r) => this.child.once("exit", r));
      this.child.kill("SIGTERM");
      const t = setTimeout(() => this.child.kill("SIGKILL"), 3000);
      await gone;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
