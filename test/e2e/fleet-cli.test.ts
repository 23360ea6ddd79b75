import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { createSocket } from "node:dgram";
import { CLI, Proc, ROOT, tempDir } from "../helpers/fleet.js";
import { freeTcpPort, freeUdpPort } from "../helpers/ports.js";
import { run, until } from "../helpers/proc.js";

const FLEET = join(ROOT, "deploy/fleet.yaml");
const dir = tempDir();
after(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], env: Record<string, string> = {}) =>
  run("env", [...Object.entries(env).map(([k, v]) => `${k}=${v}`), "node", CLI, ...args], {
    timeoutMs: 30_000,
  });

test("antenne render --check: 0 for the example fleet, writing nothing", async () => {
  const before = readdirSync(dir);
  const r = await cli(["render", "--check", FLEET]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.toString(), /: ok \(3 channels, 6 instances, \d+ files\)/);
  assert.deepEqual(readdirSync(dir), before);
});

test("antenne render --check: 1 with one FILE:LINE:COL line per problem", async () => {
  const bad = join(dir, "bad.yaml");
  writeFileSync(
    bad,
    `fleet: x\nchannels:\n  - file: ${join(ROOT, "deploy/channels/fip.yaml")}\n    instances: { a: { apiPort: 70000 } }\nbogus: 1\n`,
  );
  const r = await cli(["render", "--check", bad]);
  assert.equal(r.code, 1);
  assert.deepEqual(r.stderr.trim().split("\n"), [
    `${bad}:4:32: channels.0.instances.a.apiPort: Too big: expected number to be <=65535`,
    `${bad}:5:1: bogus: unknown key "bogus"`,
  ]);
});

test("antenne render --out DIR writes the tree (scripts executable); usage errors exit 2", async () => {
  const out = join(dir, "out");
  const r = await cli(["render", "--out", out, FLEET]);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ["icecast/master.xml", "nginx/hls-cache.conf", "k8s/kustomization.yaml", "compose.yaml"]) {
    assert.ok(existsSync(join(out, f)), f);
  }
  assert.equal(statSync(join(out, "senders/fip-main.sh")).mode & 0o111, 0o111);
  for (const args of [
    ["render", FLEET],
    ["render", "--check", "--out", out, FLEET],
    ["render", "--check"],
  ]) {
    assert.equal((await cli(args)).code, 2, args.join(" "));
  }
});

test("antenne listeners: usage 2, invalid fleet 1, unset Icecast admin secrets 1 naming them", async () => {
  assert.equal((await cli(["listeners"])).code, 2);
  assert.equal((await cli(["listeners", FLEET, "--http-port", "x"])).code, 2);
  assert.equal((await cli(["listeners", join(dir, "missing.yaml")])).code, 1);
  const r = await cli(["listeners", FLEET], { ICECAST_ADMIN_PASSWORD: "" });
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /environment variables not set: ICECAST_ADMIN_PASSWORD, ICECAST_RELAY_ADMIN_PASSWORD/,
  );
  const h = await cli(["--help"]);
  assert.match(h.stdout.toString(), /antenne render --out DIR <fleet\.yaml>/);
  assert.match(h.stdout.toString(), /--syslog-port N\] \[--http-port N\]/);
});

test(
  "antenne listeners FLEET runs the service from the fleet file; the port flags override it; SIGTERM stops it",
  { timeout: 60_000 },
  async () => {
    const http = await freeTcpPort();
    const syslog = await freeUdpPort();
    const p = new Proc(
      "node",
      [CLI, "listeners", FLEET, "--http-port", String(http), "--syslog-port", String(syslog)],
      {
        env: { ICECAST_ADMIN_PASSWORD: "a-secret", ICECAST_RELAY_ADMIN_PASSWORD: "r-secret" },
        maxLifetimeMs: 50_000,
      },
    );
    try {
      const body = await until(
        async () => {
          const r = await fetch(`http://127.0.0.1:${http}/metrics`).catch(() => null);
          return r?.ok ? r.text() : null;
        },
        20_000,
        "the listeners' /metrics",
      );
      for (const ch of ["fip", "jazz", "info"]) {
        assert.match(body, new RegExp(`antenne_listeners\\{channel="${ch}",delivery="hls"\\} 0`));
      }
      // An nginx access-log line over syslog counts an HLS listener of fip.
      const line = `<190>Nov 30 12:00:00 cache antenne: {"ts":"${(Date.now() / 1000).toFixed(3)}","addr":"10.1.2.3","ua":"t","uri":"/hls/fip_aac_midfi_4_449000000_1796000000.ts","status":"200","bytes":"1000"}`;
      const sock = createSocket("udp4");
      await new Promise<void>((res) => sock.send(line, syslog, "127.0.0.1", () => res()));
      sock.close();
      await until(
        async () =>
          /antenne_listeners\{channel="fip",delivery="hls"\} 1/.test(
            await (await fetch(`http://127.0.0.1:${http}/metrics`)).text(),
          ),
        10_000,
        "one HLS listener of fip",
      );
    } finally {
      await p.stop("SIGTERM");
    }
    assert.equal(p.child.exitCode, 0, p.output);
  },
);
