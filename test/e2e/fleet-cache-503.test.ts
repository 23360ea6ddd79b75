/**
 * Health-aware failover at the cache (SPEC §4): an instance on its safety source answers its
 * playlists and /readyz with 503, and the rendered nginx and Varnish configs must then serve the
 * peer. Instance b is a real antenne instance; instance a is a stand-in HTTP server answering 503
 * to everything, because the daemon's opt-in 503 (issue 11) is not on main yet: once it is, the
 * same check holds with a real instance in its place.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, test } from "node:test";
import { freeTcpPort, freeUdpPort } from "../helpers/ports.js";
import { until } from "../helpers/proc.js";
import { Proc, renderWithCli, startInstance, tempDir } from "../helpers/fleet.js";

const dir = tempDir();
const procs: Proc[] = [];
let standIn: Server | null = null;
const standInHits: string[] = [];
after(async () => {
  for (const p of procs.reverse()) await p.stop();
  await new Promise<void>((res) => (standIn ? standIn.close(() => res()) : res()));
  rmSync(dir, { recursive: true, force: true });
});

const CHANNEL = `channel: t
inputs:
  - id: tone
    tone: { frequencyHz: 660 }
profiles:
  lofi: { codec: aac, bitrate: 32k }
outputs:
  hls: { dir: ./hls, segmentSec: 2, windowSegments: 4, profiles: [lofi] }
`;

const fleetYaml = (p: Record<string, number>) => `fleet: test
channels:
  - file: t.yaml
    instances:
      a: { host: 127.0.0.1, apiPort: ${p.a}, dataDir: ${dir}/a }
      b: { host: 127.0.0.1, apiPort: ${p.b}, dataDir: ${dir}/b }
cache: { host: 127.0.0.1, port: ${p.cache}, dir: ${dir}/cache, probeIntervalSec: 1 }
monitoring:
  grafana: { adminPassword: "\${T_GRAFANA}" }
  listeners: { host: 127.0.0.1, syslogPort: ${p.syslog}, httpPort: ${p.http} }
`;

async function get(url: string): Promise<{ status: number; body: string }> {
  const r = await fetch(url).catch(() => null);
  return r ? { status: r.status, body: await r.text() } : { status: 0, body: "" };
}

test(
  "nginx and Varnish from the render serve the peer while the first instance answers 503",
  { timeout: 120_000 },
  async () => {
    const p = {
      a: await freeTcpPort(),
      b: await freeTcpPort(),
      cache: await freeTcpPort(),
      varnish: await freeTcpPort(),
      syslog: await freeUdpPort(),
      http: await freeTcpPort(),
    };
    standIn = createServer((req, res) => {
      standInHits.push(req.url ?? "");
      res.writeHead(503, { "content-type": "text/plain" }).end("on safety source\n");
    });
    await new Promise<void>((res) => standIn!.listen(p.a, "127.0.0.1", res));
    writeFileSync(join(dir, "t.yaml"), CHANNEL);
    writeFileSync(join(dir, "fleet.yaml"), fleetYaml(p));
    const out = join(dir, "out");
    await renderWithCli(join(dir, "fleet.yaml"), out);
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, "cache"), { mode: 0o777 });
    chmodSync(join(dir, "cache"), 0o777);

    procs.push(startInstance(join(out, "instances/t-b.yaml"), {}));
    procs.push(
      new Proc(
        "nginx",
        [
          "-c",
          join(out, "nginx/hls-cache.conf"),
          "-e",
          join(dir, "nginx.log"),
          "-g",
          `daemon off; pid ${dir}/nginx.pid;`,
        ],
        {
          maxLifetimeMs: 110_000,
        },
      ),
    );
    procs.push(
      new Proc(
        "varnishd",
        [
          "-F",
          "-n",
          join(dir, "varnish"),
          "-a",
          `127.0.0.1:${p.varnish}`,
          "-T",
          "127.0.0.1:0",
          "-f",
          join(out, "varnish/hls.vcl"),
          "-s",
          "malloc,16m",
        ],
        { maxLifetimeMs: 110_000 },
      ),
    );
    await until(
      async () => (await get(`http://127.0.0.1:${p.b}/readyz`)).status === 200,
      30_000,
      "instance b ready",
    );

    for (const [name, port] of [
      ["nginx", p.cache],
      ["varnish", p.varnish],
    ] as const) {
      const hitsBefore = standInHits.length;
      const pl = await until(
        async () => {
          const r = await get(`http://127.0.0.1:${port}/hls/t_lofi.m3u8`);
          return r.status === 200 ? r : null;
        },
        20_000,
        `${name}: the playlist from b`,
      );
      assert.match(pl.body, /^#EXTM3U/);
      const seg = pl.body.split("\n").find((l) => l.endsWith(".ts"))!;
      const s = await fetch(`http://127.0.0.1:${port}/hls/${seg}`);
      assert.equal(s.status, 200, `${name}: a segment from b`);
      assert.ok(standInHits.length > hitsBefore || name === "varnish", `${name} asked instance a first`);
    }
    // Varnish's probe of /readyz marked the 503 instance sick (it asked a's /readyz).
    assert.ok(standInHits.includes("/readyz"), "Varnish probes /readyz");
  },
);
