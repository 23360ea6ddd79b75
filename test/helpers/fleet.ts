/**
 * Helpers for the fleet e2e tests: render a fleet with the CLI, run the daemons it describes
 * (`antenne run` on the rendered per-instance channel files), run a real tool with fleet host
 * names resolving to loopback.
 * Every child is bounded in time and stopped by its PID.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadFleetFile } from "../../src/fleet/load.js";
import type { FleetModel } from "../../src/fleet/model.js";
import { renderFleet } from "../../src/fleet/render/index.js";
import { NODE_FLAGS } from "../../src/node-flags.js";
import { run, type Ran } from "./proc.js";
import { tempDir } from "./temp.js";

export const CLI = fileURLToPath(new URL("../../src/cli.js", import.meta.url));
export const FILL_SECRETS = fileURLToPath(new URL("../../src/fleet/fill-secrets-main.js", import.meta.url));
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** A child with its own environment, killed by PID after `maxLifetimeMs` at the latest. */
export class Proc {
  readonly child: ChildProcess;
  output = "";
  readonly exited: Promise<void>;

  constructor(cmd: string, args: string[], opts: { env?: Record<string, string>; maxLifetimeMs: number }) {
    this.child = spawn(cmd, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...opts.env },
    });
    live.add(this.child);
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-20_000);
    };
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
    const limit = setTimeout(() => this.child.kill("SIGKILL"), opts.maxLifetimeMs);
    this.exited = new Promise((res) =>
      this.child.once("close", () => {
        clearTimeout(limit);
        live.delete(this.child);
        res();
      }),
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    const force = setTimeout(() => this.child.kill("SIGKILL"), 6000);
    await this.exited;
    clearTimeout(force);
  }
}

export { tempDir };

/** `antenne render --out OUT FLEET` through the CLI. */
export async function renderWithCli(fleetFile: string, out: string): Promise<void> {
  const r = await run("node", [CLI, "render", "--out", out, fleetFile], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`antenne render failed (${r.code}): ${r.stderr}`);
}

/** `antenne run FILE` as the bin runs it (node flags of the shebang), with its environment. */
export function startInstance(channelFile: string, env: Record<string, string>): Proc {
  return new Proc("node", [...NODE_FLAGS, CLI, "run", channelFile], { env, maxLifetimeMs: 180_000 });
}

/**
 * Runs a command in a private mount namespace whose /etc/hosts maps `names` to 127.0.0.1: the
 * tool resolves the fleet's host names (fip-a, antenne-listeners…) as it would in a cluster, and
 * nothing outside that one process sees the change. `scratch` folders get a private tmpfs there,
 * so a tool that creates its cache folder (nginx -t does) leaves nothing on this machine.
 * Needs root (as the test machine runs).
 */
export async function runWithHosts(
  names: string[],
  cmd: string,
  args: string[],
  opts: { scratch?: string[]; timeoutMs?: number } = {},
): Promise<Ran> {
  const dir = tempDir("antenne-hosts-");
  const hosts = join(dir, "hosts");
  writeFileSync(hosts, `127.0.0.1 localhost ${names.join(" ")}\n::1 localhost\n`);
  const mounts = (opts.scratch ?? []).map((d) => `mount -t tmpfs tmpfs '${d}' && `).join("");
  const script = `${mounts}mount --bind "$0" /etc/hosts && exec "$@"`;
  try {
    return await run("unshare", ["--mount", "sh", "-c", script, hosts, cmd, ...args], {
      timeoutMs: opts.timeoutMs ?? 60_000,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The example fleet rendered into a temporary folder for the tools that check the files
 * (fleet-validate*.test.ts). Readable by the tools' own users (varnishd).
 */
export function renderExample(): {
  out: string;
  files: Record<string, string>;
  fleet: FleetModel;
  hosts: string[];
} {
  const file = join(ROOT, "deploy/fleet.yaml");
  const fleet = loadFleetFile(file);
  const files = renderFleet(fleet, file);
  const out = tempDir("antenne-render-");
  chmodSync(out, 0o755);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), text, { mode: path.endsWith(".sh") ? 0o755 : 0o644 });
  }
  const hosts = [
    ...fleet.channels.flatMap((c) => c.instances.map((i) => i.host)),
    fleet.monitoring.listeners.host,
    fleet.cache.host,
  ];
  return { out, files, fleet, hosts };
}
