/**
 * Issue 3 end to end: real SRT peers on loopback feed a running daemon, and each sender's
 * tone (a different frequency per input) is found in the HLS output once that input is on air.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Daemon } from "../../src/daemon.js";
import { run, until } from "../helpers/proc.js";
import { tempDir } from "../helpers/channel.js";
import {
  LogSink,
  ffmpegTone,
  inputStatus,
  metric,
  metrics,
  sltTone,
  startLoggedDaemon,
  status,
  toneInHls,
  type Codec,
} from "./srt-daemon-helpers.js";
import { kill } from "./srt-helpers.js";
import { freeUdpPort } from "../helpers/ports.js";

const BUFFER_MS = 300;
const PASS = "daemon-test-secret-1";

interface Case {
  id: string;
  freq: number;
  what: string;
  /** How the daemon's input is configured, given its port. */
  srt: (port: number) => string;
  /** Starts the peer (before the daemon for caller inputs: a listener must be there). */
  peer: (port: number) => ChildProcess[];
  mode: "listener" | "caller";
}

const callerUrl = (port: number, q = "") => `srt://127.0.0.1:${port}?mode=caller&latency=120000${q}`;
const ffCaller =
  (freq: number, codec: Codec, q = "") =>
  (port: number) => [ffmpegTone(callerUrl(port, q), freq, codec)];

const CASES: Case[] = [
  {
    id: "ff_aac",
    freq: 440,
    what: "ffmpeg caller, MPEG-TS/AAC",
    mode: "listener",
    srt: (p) => `{ mode: listener, bind: "127.0.0.1:${p}", latencyMs: 120 }`,
    peer: ffCaller(440, "aac"),
  },
  {
    id: "slt_aac",
    freq: 550,
    what: "srt-live-transmit caller fed by ffmpeg, MPEG-TS/AAC",
    mode: "listener",
    srt: (p) => `{ mode: listener, bind: "127.0.0.1:${p}", latencyMs: 120 }`,
    peer: (p) => Object.values(sltTone(`srt://127.0.0.1:${p}?mode=caller&latency=120`, 550, "aac")),
  },
  {
    id: "ff_mp2",
    freq: 660,
    what: "ffmpeg caller, MPEG-TS/MP2",
    mode: "listener",
    srt: (p) => `{ mode: listener, bind: "127.0.0.1:${p}", latencyMs: 120 }`,
    peer: ffCaller(660, "mp2"),
  },
  {
    id: "ff_wav",
    freq: 770,
    what: "ffmpeg caller, WAV s16le (as Liquidsoap sends it)",
    mode: "listener",
    srt: (p) => `{ mode: listener, bind: "127.0.0.1:${p}", latencyMs: 120 }`,
    peer: ffCaller(770, "wav"),
  },
  {
    id: "pass_aac",
    freq: 1100,
    what: "ffmpeg caller with passphrase (AES-256), MPEG-TS/AAC",
    mode: "listener",
    srt: (p) =>
      `{ mode: listener, bind: "127.0.0.1:${p}", latencyMs: 120, passphrase: "${PASS}", pbKeyLen: 32 }`,
    peer: ffCaller(1100, "aac", `&passphrase=${PASS}&pbkeylen=32`),
  },
  {
    id: "to_slt",
    freq: 880,
    what: "our caller -> srt-live-transmit listener, MPEG-TS/MP2",
    mode: "caller",
    srt: (p) => `{ mode: caller, connect: "127.0.0.1:${p}", latencyMs: 120 }`,
    peer: (p) => Object.values(sltTone(`srt://127.0.0.1:${p}?mode=listener&latency=120`, 880, "mp2")),
  },
  {
    id: "to_ff",
    freq: 990,
    what: "our caller (passphrase) -> ffmpeg listener, MPEG-TS/AAC",
    mode: "caller",
    srt: (p) =>
      `{ mode: caller, connect: "localhost:${p}", latencyMs: 120, passphrase: "${PASS}", pbKeyLen: 16 }`,
    peer: (p) => [
      ffmpegTone(
        `srt://127.0.0.1:${p}?mode=listener&latency=120000&passphrase=${PASS}&pbkeylen=16`,
        990,
        "aac",
      ),
    ],
  },
];
const FALLBACK_HZ = 300;
const CANDIDATES = [FALLBACK_HZ, ...CASES.map((c) => c.freq)];

describe("SRT inputs through a running daemon", { timeout: 240_000 }, () => {
  const dir = tempDir("antenne-srt-daemon-");
  const hlsDir = join(dir, "hls");
  const logs = new LogSink();
  const peers: ChildProcess[] = [];
  const ports = new Map<string, number>();
  let d: Daemon;

  before(async () => {
    for (const c of CASES) ports.set(c.id, await freeUdpPort());
    // Listeners our caller inputs connect to come first, so the first attempt succeeds.
    for (const c of CASES.filter((x) => x.mode === "caller")) peers.push(...c.peer(ports.get(c.id)!));
    await new Promise((r) => setTimeout(r, 300));
    const inputs = CASES.map((c) => `  - id: ${c.id}\n    srt: ${c.srt(ports.get(c.id)!)}`).join("\n");
    d = await startLoggedDaemon(
      (api) => `
channel: srtd
audio: { sampleRate: 48000, channels: 2 }
inputs:
${inputs}
  - id: fallback
    tone: { frequencyHz: ${FALLBACK_HZ}, amplitudeDb: -30 }
switcher:
  statePath: ./state.json
  bufferMs: ${BUFFER_MS}
  starvationMs: 300
  returnDelaySec: 1
  silence: { minNoiseSec: 0.2 }
profiles:
  midfi: { codec: aac, bitrate: 96k }
outputs:
  hls: { dir: ./hls, segmentSec: 2, windowSegments: 8, profiles: [midfi] }
api: { listen: "127.0.0.1:${api}" }
`,
      dir,
      logs.log,
    );
    for (const c of CASES.filter((x) => x.mode === "listener")) peers.push(...c.peer(ports.get(c.id)!));
  });

  after(async () => {
    await Promise.all(peers.map((p) => kill(p)));
    await d?.close();
  });

  test("every sender connects, is decoded and becomes available", async () => {
    const t0 = performance.now();
    await until(
      async () => (await status(d)).inputs.filter((i) => i.kind === "srt").every((i) => i.available),
      20_000,
      "every SRT input available",
      200,
    );
    console.log(`all ${CASES.length} SRT inputs available after ${(performance.now() - t0).toFixed(0)} ms`);
    // Let the SRT statistics poll (1 s) and the buffers settle.
    await new Promise((r) => setTimeout(r, 2500));
    for (const c of CASES) {
      const i = await inputStatus(d, c.id);
      const port = ports.get(c.id)!;
      const where = `${c.id} (${c.what})`;
      assert.equal(i.kind, "srt");
      assert.equal(i.state, "connected", where);
      assert.equal(i.available, true, where);
      assert.equal(i.blank, false, where);
      if (c.mode === "caller")
        assert.equal(
          i.srt?.peer,
          `127.0.0.1:${port}`,
          `${where}: ports ${JSON.stringify([...ports])} ${JSON.stringify(i)}`,
        );
      else assert.match(i.srt?.peer ?? "", /^127\.0\.0\.1:\d+$/, where);
      assert.equal(i.connections, 1, where);
      assert.ok(i.receivedBytes > 10_000, `${where}: receivedBytes ${i.receivedBytes}`);
      assert.ok(i.srt && i.srt.packetsReceived > 20, `${where}: packetsReceived ${i.srt?.packetsReceived}`);
      assert.ok(i.srt.receiveRateKbps > 0, `${where}: receiveRateKbps ${i.srt.receiveRateKbps}`);
      assert.ok(i.srt.rttMs >= 0 && i.srt.rttMs < 50, `${where}: rttMs ${i.srt.rttMs}`);
      assert.equal(i.srt.packetsLost, 0, where);
      // The delay held fits the sender (bursty ones need more than bufferMs); what is held at one
      // moment swings with the bursts, never past the target by more than one burst.
      assert.ok(
        i.targetDelayMs >= BUFFER_MS && i.targetDelayMs <= i.maxDelayMs,
        `${where}: targetDelayMs ${i.targetDelayMs} in [${BUFFER_MS}, ${i.maxDelayMs}]`,
      );
      assert.ok(
        i.bufferMs >= 0 && i.bufferMs <= i.targetDelayMs + 1000,
        `${where}: bufferMs ${i.bufferMs} (target ${i.targetDelayMs})`,
      );
      // lavfi's sine is at 1/8 full scale: peak -18 dBFS, RMS -21 dBFS.
      assert.ok(Math.abs(i.levelDb.rms + 21) <= 1.5, `${where}: rms ${i.levelDb.rms}`);
      assert.ok(Math.abs(i.levelDb.peak + 18) <= 1.5, `${where}: peak ${i.levelDb.peak}`);
      assert.deepEqual(
        Object.values(i.rejected).filter((n) => n > 0),
        [],
        `${where}: nothing rejected`,
      );
      if (c.id === "ff_wav") assert.ok(i.srt.receiveRateKbps > 1200, `WAV rate ${i.srt.receiveRateKbps}`);
    }
    for (const c of CASES)
      assert.ok(
        logs.find(/srt connected/, { input: c.id }).length >= 1,
        `"srt connected" logged for ${c.id}`,
      );
  });

  test("each sender's tone is what the HLS output carries once its input is on air", async () => {
    const hz: Record<string, number> = {};
    for (const c of CASES) {
      const res = await fetch(`${d.url}/api/v1/switch`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input: c.id }),
      });
      assert.equal(res.status, 200, `switch to ${c.id}: ${await res.text()}`);
      // The switch is on air within 100 ms (plus its crossfade): segments from then on carry it.
      const tone = await toneInHls(hlsDir, "srtd", "midfi", Date.now() + 200, CANDIDATES);
      hz[c.id] = tone.freq;
      assert.equal(tone.freq, c.freq, `${c.id} (${c.what}): HLS segment ${tone.seq} carries ${tone.freq} Hz`);
      assert.ok(tone.share > 0.8, `${c.id}: tone share ${tone.share.toFixed(3)}`);
    }
    console.log("tone heard in HLS per input:", JSON.stringify(hz));
    const s = await status(d);
    assert.equal(s.active, CASES.at(-1)!.id);
  });

  test("metrics carry the SRT inputs and pass promtool", async () => {
    const text = await metrics(d);
    for (const c of CASES) {
      const l = { input: c.id, channel: "srtd" };
      assert.equal(metric(text, "antenne_input_up", l), 1, `${c.id} up`);
      assert.equal(metric(text, "antenne_input_available", l), 1, `${c.id} available`);
      assert.equal(metric(text, "antenne_input_connections_total", l), 1, `${c.id} connections`);
      assert.ok(metric(text, "antenne_input_received_bytes_total", l) > 10_000, `${c.id} bytes`);
      assert.ok(metric(text, "antenne_srt_packets_received_total", l) > 20, `${c.id} packets`);
      assert.ok(metric(text, "antenne_srt_rtt_seconds", l) >= 0, `${c.id} rtt`);
      assert.ok(metric(text, "antenne_srt_receive_rate_bytes_per_second", l) > 0, `${c.id} rate`);
      // The delay held adapts to the sender (a bursty one needs more) within [bufferMs, maxBufferMs];
      // what is held at a given moment moves around it with the sender's bursts.
      const target = metric(text, "antenne_input_target_delay_seconds", l);
      const max = metric(text, "antenne_input_max_delay_seconds", l);
      assert.ok(
        target >= BUFFER_MS / 1000 && target <= max,
        `${c.id} target ${target} in [bufferMs, ${max}]`,
      );
      const buf = metric(text, "antenne_input_buffer_seconds", l);
      assert.ok(buf > 0 && buf <= target + 1.1, `${c.id} buffer ${buf} (target ${target})`);
      assert.equal(metric(text, "antenne_input_rejected_total", { ...l, reason: "undecodable" }), 0);
    }
    const r = await run("promtool", ["check", "metrics"], { timeoutMs: 20_000, input: text });
    assert.equal(r.code, 0, r.stderr + r.stdout.toString());
  });

  test("a caller input reconnects when its listener goes away and comes back", async () => {
    // to_ff's listener is one ffmpeg process: kill it, start a new one on the same port.
    const c = CASES.find((x) => x.id === "to_ff")!;
    const port = ports.get(c.id)!;
    const old = peers.find((p) => p.spawnargs.some((a) => a.includes(`:${port}?mode=listener`)))!;
    await kill(old);
    await until(async () => (await inputStatus(d, c.id)).state === "connecting", 10_000, "to_ff connecting");
    peers.push(...c.peer(port));
    await until(
      async () => {
        const i = await inputStatus(d, c.id);
        return i.state === "connected" && i.connections === 2 && i.bufferMs > 0;
      },
      20_000,
      "to_ff reconnected and decoded",
      200,
    );
    assert.ok(logs.find(/SRT connection lost|SRT connect failed/, { input: c.id }).length >= 1);
  });
});
