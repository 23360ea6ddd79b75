/**
 * The stall alarm of `antenne run` (src/process/stall-alarm.ts), on the real daemon: a process
 * whose event loop stops for longer than ANTENNE_STALL_SEC ends by SIGALRM (a stop by SIGSTOP is
 * what a spinning call looks like from outside: nothing runs), one that keeps running does not,
 * and a bad value is refused at start.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "../helpers/channel.js";
import { freeTcpPort } from "../helpers/ports.js";
import { Background, run, sleep, until } from "../helpers/proc.js";

const CLI = fileURLToPath(new URL("../../src/cli.js", import.meta.url));
const leftovers: number[] = [];
after(() => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

async function channelFile(): Promise<{ file: string; port: number }> {
  const dir = tempDir();
  const port = await freeTcpPort();
  const file = join(dir, "channel.yaml");
  writeFileSync(
    file,
    [
      "channel: stall",
      "inputs:",
      "  - id: tone",
      "    tone: { frequencyHz: 1000 }",
      "profiles:",
      "  lofi: { codec: aac, bitrate: 32k }",
      "outputs:",
      `  hls: { dir: ${join(dir, "hls")}, segmentSec: 2, profiles: [lofi] }`,
      `api: { listen: "127.0.0.1:${port}" }`,
      "",
    ].join("\n"),
  );
  return { file, port };
}

/** `antenne run` with ANTENNE_STALL_SEC=2, once its API answers; its children noted for cleanup. */
async function startDaemon(): Promise<{ daemon: Background; port: number }> {
  const { file, port } = await channelFile();
  process.env.ANTENNE_STALL_SEC = "2";
  const daemon = new Background("node", [CLI, "run", file], 60_000);
  delete process.env.ANTENNE_STALL_SEC;
  await until(
    async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
    20_000,
    `the daemon's /healthz (${daemon.stderr.slice(-500)})`,
  );
  const children = `/proc/${daemon.pid}/task/${daemon.pid}/children`;
  if (existsSync(children))
    leftovers.push(
      ...readFileSync(children, "utf8")
        .trim()
        .split(/\s+/)
        .map(Number)
        .filter((n) => n > 0),
    );
  return { daemon, port };
}

test("an event loop stopped for longer than ANTENNE_STALL_SEC ends the process by SIGALRM", async () => {
  const { daemon } = await startDaemon();
  process.kill(daemon.pid, "SIGSTOP");
  await sleep(3500);
  process.kill(daemon.pid, "SIGCONT");
  const t0 = performance.now();
  await Promise.race([daemon.wait(), sleep(5000)]);
  const ended = daemon.child.signalCode;
  await daemon.stop("SIGKILL");
  assert.equal(ended, "SIGALRM", `ended by ${ended} (exit code ${daemon.child.exitCode})`);
  assert.ok(performance.now() - t0 < 1000, "at once when it runs again");
});

test("a daemon whose loop keeps running outlives the alarm many times over and stops cleanly", async () => {
  const { daemon, port } = await startDaemon();
  await sleep(6000);
  assert.equal(daemon.child.exitCode, null, daemon.stderr.slice(-500));
  assert.equal(daemon.child.signalCode, null);
  assert.ok((await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
  await daemon.stop("SIGTERM");
  assert.equal(daemon.child.exitCode, 0, daemon.stderr.slice(-500));
});

test("a bad ANTENNE_STALL_SEC is refused at start with exit code 1", async () => {
  const { file } = await channelFile();
  process.env.ANTENNE_STALL_SEC = "soon";
  const r = await run("node", [CLI, "run", file], { timeoutMs: 20_000 });
  delete process.env.ANTENNE_STALL_SEC;
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ANTENNE_STALL_SEC=soon: whole seconds from 0 \(off\) to 3600 expected/);
});
