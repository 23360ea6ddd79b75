/**
 * The rendered nginx HLS cache (real nginx) in front of two real instances started on the
 * rendered per-instance channel files: an ffmpeg HLS client plays the channel through the cache,
 * instance a is killed with SIGKILL, and the client keeps playing (now instance b's 660 Hz)
 * without an error. Also checked on the way: caching and CORS headers, and the access log
 * arriving at the listeners' syslog port as the JSON lines the listeners service parses.
 */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { freeTcpPort, freeUdpPort } from "../helpers/ports.js";
import { until } from "../helpers/proc.js";
import { LiveListener } from "../helpers/live-listener.js";
import { Proc, renderWithCli, startInstance, tempDir } from "../helpers/fleet.js";

const dir = tempDir();
const procs: (Proc | LiveListener)[] = [];
const syslog = createSocket("udp4");
const logLines: string[] = [];
after(async () => {
  for (const p of procs.reverse()) await p.stop();
  syslog.close();
  rmSync(dir, { recursive: true, force: true });
});

const CHANNEL = `channel: t
inputs:
  - id: tone
    tone:
      frequencyHz: \${TONE_HZ:-440}
      amplitudeDb: -12
profiles:
  midfi: { codec: aac, bitrate: 96k }
outputs:
  hls: { dir: ./hls, segmentSec: 2, windowSegments: 6, profiles: [midfi] }
`;

function fleetYaml(p: { cache: number; a: number; b: number; syslog: number; http: number }): string {
  return `fleet: test
channels:
  - file: t.yaml
    instances:
      a: { host: 127.0.0.1, apiPort: ${p.a}, dataDir: ${dir}/a }
      b: { host: 127.0.0.1, apiPort: ${p.b}, dataDir: ${dir}/b }
cache: { host: 127.0.0.1, port: ${p.cache}, dir: ${dir}/cache }
monitoring:
  grafana: { adminPassword: "\${T_GRAFANA}" }
  listeners: { host: 127.0.0.1, syslogPort: ${p.syslog}, httpPort: ${p.http} }
`;
}

test(
  "nginx from the render caches a channel's HLS and fails over when instance a is killed",
  { timeout: 150_000 },
  async () => {
    const p = {
      cache: await freeTcpPort(),
      a: await freeTcpPort(),
      b: await freeTcpPort(),
      syslog: await freeUdpPort(),
      http: await freeTcpPort(),
    };
    await new Promise<void>((res) => syslog.bind(p.syslog, "127.0.0.1", res));
    syslog.on("message", (m) => logLines.push(m.toString()));
    writeFileSync(join(dir, "t.yaml"), CHANNEL);
    writeFileSync(join(dir, "fleet.yaml"), fleetYaml(p));
    const out = join(dir, "out");
    await renderWithCli(join(dir, "fleet.yaml"), out);
    // nginx workers run unprivileged: the cache folder must be theirs to write.
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, "cache"), { mode: 0o777 });
    chmodSync(join(dir, "cache"), 0o777);

    const a = startInstance(join(out, "instances/t-a.yaml"), { TONE_HZ: "440" });
    const b = startInstance(join(out, "instances/t-b.yaml"), { TONE_HZ: "660" });
    procs.push(a, b);
    const nginx = new Proc(
      "nginx",
      [
        "-c",
        join(out, "nginx/hls-cache.conf"),
        "-e",
        join(dir, "nginx-error.log"),
        "-g",
        `daemon off; pid ${dir}/nginx.pid;`,
      ],
      { maxLifetimeMs: 140_000 },
    );
    procs.push(nginx);
    const base = `http://127.0.0.1:${p.cache}/hls`;
    await until(
      async () => (await fetch(`${base}/t_midfi.m3u8`).catch(() => null))?.ok,
      20_000,
      "a playlist through the cache",
    );

    // Headers: CORS everywhere, playlists short-lived, a segment cached on the second request.
    const pl = await fetch(`${base}/t_midfi.m3u8`);
    assert.equal(pl.headers.get("access-control-allow-origin"), "*");
    assert.equal(pl.headers.get("cache-control"), "max-age=1");
    const seg = (await pl.text()).split("\n").find((l) => l.endsWith(".ts"));
    assert.ok(seg, "a segment listed");
    await fetch(`${base}/${seg}`).then((r) => r.arrayBuffer());
    const again = await fetch(`${base}/${seg}`);
    await again.arrayBuffer();
    assert.equal(again.headers.get("x-cache-status"), "HIT");
    assert.equal(again.headers.get("content-type"), "video/mp2t");
    assert.equal((await fetch(`${base}/other.m3u8`)).status, 404);

    const listener = new LiveListener(`${base}/t.m3u8`, [], 120_000);
    procs.push(listener);
    const hears = (f: number) => () => {
      const h = listener.hearing([440, 660]);
      return h.freq === f && h.share > 0.5 && h.db > -30;
    };
    await until(hears(440), 30_000, "the HLS client plays instance a (440 Hz) through the cache");
    await a.stop("SIGKILL");
    await until(hears(660), 30_000, "the HLS client plays instance b (660 Hz) after a was killed");
    const stalledBefore = listener.longestStallMs;
    await until(() => listener.hearing([440, 660], 4).freq === 660, 15_000, "four seconds of b");
    assert.ok(listener.running, `the HLS client stopped: ${listener.errors}`);
    assert.equal(listener.errors.trim(), "", "the HLS client logged errors");
    assert.ok(stalledBefore < 8000, `playback stalled ${stalledBefore} ms`);

    // The access log reached the listeners' syslog port as JSON lines.
    await until(() => logLines.some((l) => l.includes('"uri":"/hls/t.m3u8"')), 5000, "syslog lines");
    const line = logLines.find((l) => l.includes('"uri":"/hls/t.m3u8"'))!;
    const json = JSON.parse(line.slice(line.indexOf("{"))) as Record<string, string>;
    assert.deepEqual(Object.keys(json), ["ts", "addr", "ua", "uri", "status", "bytes"]);
    assert.match(line, /antenne: \{/);
    assert.equal(json.addr, "127.0.0.1");
    assert.ok(b.running);
  },
);
