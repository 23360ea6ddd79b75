/**
 * Icecast over TLS against a real icecast2 with a TLS listen socket and a self-signed certificate:
 * the daemon (run as `antenne run`, trusting the certificate through NODE_EXTRA_CA_CERTS) feeds an
 * https mount, polls listeners and sends now-playing through the https admin interface. Without
 * that trust the connection is refused by the certificate check, reported, and retried.
 */
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { systemClock } from "../../src/clock/clock.js";
import { startDaemon } from "../../src/daemon.js";
import { silentLogger } from "../../src/log.js";
import { NODE_FLAGS } from "../../src/node-flags.js";
import { parseIcecastStats } from "../../src/output/icecast/stats.js";
import { channelConfig, tempDir } from "../helpers/channel.js";
import { listen, toneStrength } from "../helpers/icecast-feed.js";
import { IcecastServer } from "../helpers/icecast-server.js";
import { freeTcpPort } from "../helpers/ports.js";
import { Background, until } from "../helpers/proc.js";

const CLI = fileURLToPath(new URL("../../src/cli.js", import.meta.url));
const RATE = 48000;

interface OutputJson {
  id: string;
  state: string;
  up: boolean;
  restarts: number;
  lastError: string | null;
  listeners?: number | null;
  droppedFrames: number;
}

let server: IcecastServer;
const dir = tempDir("antenne-ice-tls-");

before(async () => {
  server = await IcecastServer.start({ password: "pw-e2e-tls", tls: true });
});
after(async () => {
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const channel = (mount: string, apiPort: number) => `
channel: tls
audio: { sampleRate: ${RATE}, channels: 2 }
inputs:
  - id: tone
    tone: { frequencyHz: 1000, amplitudeDb: -12 }
switcher: { silence: { minNoiseSec: 0.2 } }
profiles:
  midfi: { codec: aac, bitrate: 96k }
outputs:
  icecast:
    - { id: tls-aac, url: "${server.tlsSourceUrl(mount)}", profile: midfi, admin: "${server.tlsAdminUrl}" }
api: { listen: "127.0.0.1:${apiPort}" }
`;

async function output(apiUrl: string): Promise<OutputJson> {
  const res = await fetch(`${apiUrl}/api/v1/status`, { signal: AbortSignal.timeout(3000) });
  const o = ((await res.json()) as { outputs: OutputJson[] }).outputs.find((x) => x.id === "tls-aac");
  assert.ok(o, "the output in the status");
  return o;
}

/** RMS of each `n`-sample window, for a failure message (where the tone was missing). */
function rmsWindows(pcm: Int16Array, n: number): string {
  const out: string[] = [];
  for (let i = 0; i + n <= pcm.length; i += n) {
    let e = 0;
    for (let k = i; k < i + n; k++) e += (pcm[k]! / 32768) ** 2;
    out.push(Math.sqrt(e / n).toFixed(3));
  }
  return out.join(" ");
}

/** The strongest tone between 500 and 2000 Hz (10 Hz steps), for a failure message. */
function strongest(pcm: Int16Array, rate: number): string {
  let best = { f: 0, s: 0 };
  for (let f = 500; f <= 2000; f += 10) {
    const s = toneStrength(pcm, rate, f);
    if (s > best.s) best = { f, s };
  }
  return `${best.f} Hz (${best.s.toFixed(3)})`;
}

async function mountTitle(mount: string): Promise<string | null> {
  return parseIcecastStats(await server.stats()).get(mount)?.title ?? null;
}

test(
  "antenne run trusting the server's certificate streams to an https mount and uses the https admin",
  { timeout: 90_000 },
  async () => {
    const port = await freeTcpPort();
    const file = join(dir, "tls.yaml");
    writeFileSync(file, channel("tls.aac", port));
    const api = `http://127.0.0.1:${port}`;
    // `env` execs node in place: the PID stopped below is the daemon's.
    const env = [`NODE_EXTRA_CA_CERTS=${server.caFile}`];
    const daemon = new Background("env", [...env, "node", ...NODE_FLAGS, CLI, "run", file], 80_000);
    try {
      const up = await until(
        () =>
          output(api).then(
            (o) => (o.up && o.listeners !== null ? o : null),
            () => null,
          ),
        20_000,
        "the https mount up, listeners polled over https",
      );
      assert.equal(up.state, "running");
      assert.equal(up.lastError, null);
      const stats = await until(
        async () => parseIcecastStats(await server.stats()).get("/tls.aac"),
        5_000,
        "the mount in the server's stats",
      );
      assert.equal(stats.contentType, "audio/aac");
      // What went in over TLS comes out (plain port) as the tone.
      const pcm = await listen(`${server.baseUrl}/tls.aac`, 4, RATE);
      const mid = pcm.subarray(RATE, pcm.length - RATE / 2);
      const strength = toneStrength(mid, RATE, 1000);
      // The program's start (a segment made at once) reached the server whole: nothing dropped.
      assert.equal((await output(api)).droppedFrames, 0, "frames dropped on a healthy TLS mount");
      assert.ok(
        strength > 0.8,
        `1000 Hz through the TLS mount (strength ${strength.toFixed(3)} over ${(pcm.length / RATE).toFixed(2)} s; ` +
          `RMS per 250 ms: ${rmsWindows(pcm, RATE / 4)}; strongest ${strongest(mid, RATE)})`,
      );
      const res = await fetch(`${api}/api/v1/metadata`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: "Sur TLS", artist: "Antenne" }),
      });
      assert.equal(res.status, 200);
      await until(
        async () => (await mountTitle("/tls.aac")) === "Antenne - Sur TLS",
        10_000,
        "now-playing sent through https /admin/metadata",
      );
    } finally {
      await daemon.stop("SIGTERM");
    }
    assert.equal(daemon.child.exitCode, 0, daemon.stderr);
    // A clean stop ends the source at once (icecast 2.4.4 would keep it on a TLS close_notify).
    await until(
      async () => !parseIcecastStats(await server.stats()).has("/tls.aac"),
      5_000,
      "the mount gone after SIGTERM",
    );
  },
);

test(
  "without trust in the certificate the source is refused by the certificate check, reported and retried",
  { timeout: 60_000 },
  async () => {
    const port = await freeTcpPort();
    // In this process NODE_EXTRA_CA_CERTS is not set: the self-signed certificate is unknown.
    const d = await startDaemon(
      channelConfig(channel("untrusted.aac", port), dir),
      silentLogger(),
      systemClock,
    );
    try {
      const o = await until(
        () => output(d.url).then((x) => (x.restarts >= 2 ? x : null)),
        20_000,
        "two failed attempts",
      );
      assert.equal(o.up, false);
      assert.match(o.lastError ?? "", /^TLS: self[- ]signed certificate/);
      assert.equal(o.listeners, null, "no admin stats without trust either");
      assert.equal(parseIcecastStats(await server.stats()).has("/untrusted.aac"), false);
      const health = await fetch(`${d.url}/healthz`);
      assert.equal(health.status, 200, "the daemon keeps running");
      const metrics = await (await fetch(`${d.url}/metrics`)).text();
      assert.match(metrics, /antenne_errors_total\{[^}]*code="ANTENNE_ICECAST_DISCONNECTED"[^}]*\} [1-9]/);
    } finally {
      await d.close();
    }
  },
);
