/**
 * The rendered Varnish VCL (real varnishd) in front of two real instances started on the
 * rendered per-instance channel files: an ffmpeg HLS client plays the channel through it,
 * instance a is killed with SIGKILL, and the client keeps playing (now instance b's 660 Hz)
 * without an error: a failed fetch is retried on the peer, then the /readyz probe marks a sick.
 */
import assert from "node:assert/strict";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { freeTcpPort } from "../helpers/ports.js";
import { until } from "../helpers/proc.js";
import { LiveListener } from "../helpers/live-listener.js";
import { Proc, renderWithCli, startInstance, tempDir } from "../helpers/fleet.js";

const dir = tempDir();
const procs: (Proc | LiveListener)[] = [];
after(async () => {
  for (const p of procs.reverse()) await p.stop();
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

const fleetYaml = (p: { cache: number; a: number; b: number }) => `fleet: test
channels:
  - file: t.yaml
    instances:
      a: { host: 127.0.0.1, apiPort: ${p.a}, dataDir: ${dir}/a }
      b: { host: 127.0.0.1, apiPort: ${p.b}, dataDir: ${dir}/b }
cache: { host: 127.0.0.1, port: ${p.cache}, probeIntervalSec: 1 }
monitoring:
  grafana: { adminPassword: "\${T_GRAFANA}" }
  listeners: { host: 127.0.0.1 }
`;

test(
  "varnishd on the rendered VCL caches a channel's HLS and fails over when instance a is killed",
  { timeout: 150_000 },
  async () => {
    const p = { cache: await freeTcpPort(), a: await freeTcpPort(), b: await freeTcpPort() };
    writeFileSync(join(dir, "t.yaml"), CHANNEL);
    writeFileSync(join(dir, "fleet.yaml"), fleetYaml(p));
    const out = join(dir, "out");
    await renderWithCli(join(dir, "fleet.yaml"), out);
    chmodSync(dir, 0o755); // varnishd reads the VCL and compiles in its work dir as its own user

    const a = startInstance(join(out, "instances/t-a.yaml"), { TONE_HZ: "440" });
    const b = startInstance(join(out, "instances/t-b.yaml"), { TONE_HZ: "660" });
    procs.push(a, b);
    const work = join(dir, "varnish");
    const varnish = new Proc(
      "varnishd",
      [
        "-F",
        "-n",
        work,
        "-a",
        `127.0.0.1:${p.cache}`,
        "-T",
        "127.0.0.1:0",
        "-f",
        join(out, "varnish/hls.vcl"),
        "-s",
        "malloc,32m",
      ],
      { maxLifetimeMs: 140_000 },
    );
    procs.push(varnish);
    const base = `http://127.0.0.1:${p.cache}/hls`;
    await until(
      async () => (await fetch(`${base}/t_midfi.m3u8`).catch(() => null))?.ok,
      30_000,
      "a playlist through Varnish",
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nvarnishd: ${varnish.output}`);
    });

    const pl = await fetch(`${base}/t_midfi.m3u8`);
    assert.equal(pl.headers.get("access-control-allow-origin"), "*");
    assert.equal(pl.headers.get("cache-control"), "max-age=1");
    const seg = (await pl.text()).split("\n").find((l) => l.endsWith(".ts"));
    assert.ok(seg);
    await fetch(`${base}/${seg}`).then((r) => r.arrayBuffer());
    const again = await fetch(`${base}/${seg}`);
    await again.arrayBuffer();
    assert.ok(
      Number(again.headers.get("age") ?? "0") >= 0 && (again.headers.get("x-varnish") ?? "").includes(" "),
      "a cache hit",
    );
    assert.equal((await fetch(`${base}/other.m3u8`)).status, 404);

    const listener = new LiveListener(`${base}/t.m3u8`, [], 120_000);
    procs.push(listener);
    const hears = (f: number) => () => {
      const h = listener.hearing([440, 660]);
      return h.freq === f && h.share > 0.5 && h.db > -30;
    };
    await until(hears(440), 30_000, "the HLS client plays instance a (440 Hz) through Varnish");
    await a.stop("SIGKILL");
    await until(hears(660), 30_000, "the HLS client plays instance b (660 Hz) after a was killed").catch(
      (err: Error) => {
        const h = listener.hearing([440, 660]);
        throw new Error(
          `${err.message}; client ${listener.running ? "running" : "exited"}, hearing ${h.freq} Hz ` +
            `(share ${h.share.toFixed(2)}, ${h.db.toFixed(1)} dB), longest stall ${listener.longestStallMs.toFixed(0)} ms, ` +
            `b ${b.running ? "running" : "exited"}; client: ${listener.errors}; varnishd: ${varnish.output}`,
        );
      },
    );
    await until(() => listener.hearing([440, 660], 4).freq === 660, 15_000, "four seconds of b");
    assert.ok(listener.running, `the HLS client stopped: ${listener.errors}`);
    assert.equal(listener.errors.trim(), "", "the HLS client logged errors");
    assert.ok(b.running);
  },
);
