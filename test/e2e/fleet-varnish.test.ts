/**
 * The rendered Varnish VCL (real varnishd) in front of two real instances started on the
 * rendered per-instance channel files: an ffmpeg HLS client plays the channel from a through it;
 * then b is started and a killed with SIGKILL at once, the worst moment: the probes still call a
 * healthy and b sick, and b has no playlist for seconds. The cache must never answer an error
 * meanwhile (a failed fetch goes to the peer whatever the probes say, and while no instance
 * answers the last playlist is served stale), and the client keeps playing, now b's 660 Hz,
 * without an error (ffmpeg's HLS client at its defaults ends on one failed playlist reload).
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
    procs.push(a);
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

    // Every request Varnish answered with an error, whole (client side and its backend fetches).
    const errors = new Proc("varnishlog", ["-n", work, "-g", "request", "-q", "RespStatus >= 500"], {
      maxLifetimeMs: 130_000,
    });
    procs.push(errors);
    const probes = new Proc("varnishlog", ["-n", work, "-g", "raw", "-i", "Backend_health"], {
      maxLifetimeMs: 130_000,
    });
    procs.push(probes);

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
    const b = startInstance(join(out, "instances/t-b.yaml"), { TONE_HZ: "660" });
    procs.push(b);
    await a.stop("SIGKILL");
    // What any player reloading the playlist meanwhile gets, every 250 ms.
    const answers: number[] = [];
    let polling = true;
    const pollEnd = Date.now() + 60_000;
    const poller = (async () => {
      while (polling && Date.now() < pollEnd) {
        answers.push((await fetch(`${base}/t_midfi.m3u8`).catch(() => null))?.status ?? 0);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    await until(hears(660), 30_000, "the HLS client plays instance b (660 Hz) after a was killed").catch(
      (err: Error) => {
        const h = listener.hearing([440, 660]);
        throw new Error(
          `${err.message}; client ${listener.running ? "running" : "exited"}, hearing ${h.freq} Hz ` +
            `(share ${h.share.toFixed(2)}, ${h.db.toFixed(1)} dB), longest stall ${listener.longestStallMs.toFixed(0)} ms, ` +
            `b ${b.running ? "running" : "exited"}; client: ${listener.errors}; varnishd: ${varnish.output}; ` +
            `probes: ${probes.output}; answers >= 500: ${errors.output}`,
        );
      },
    );
    await until(() => listener.hearing([440, 660], 4).freq === 660, 15_000, "four seconds of b");
    polling = false;
    await poller;
    assert.ok(answers.length >= 8, `${answers.length} playlist requests during the failover`);
    assert.deepEqual(
      answers.filter((c) => c !== 200),
      [],
      `every playlist request answered during the failover: ${answers.join(" ")}\nanswers >= 500: ${errors.output}`,
    );
    assert.ok(listener.running, `the HLS client stopped: ${listener.errors}`);
    assert.equal(listener.errors.trim(), "", "the HLS client logged errors");
    assert.ok(b.running);
  },
);
