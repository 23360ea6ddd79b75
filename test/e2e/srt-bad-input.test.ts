/**
 * Issue 3 bad input, through a running daemon: input A is abused in every way the spec
 * lists while input B (a good 660 Hz sender, highest priority) stays on air and HLS keeps
 * going. Each abuse: a clear log line, a counter, no crash, B and HLS unaffected.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { createSocket } from "node:dgram";
import { join } from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import type { Daemon } from "../../src/daemon.js";
import type { InputStatus } from "../../src/channel/view.js";
import { run, sleep, until } from "../helpers/proc.js";
import { seededBytes, seededRandom } from "../helpers/random.js";
import { tempDir } from "../helpers/channel.js";
import {
  LogSink,
  ffmpegTone,
  inputStatus,
  media,
  metric,
  metrics,
  sine,
  startLoggedDaemon,
  status,
  toneInHls,
  lastSegmentWallMs,
  peerOf,
} from "./srt-daemon-helpers.js";
import { kill, spawnBounded } from "./srt-helpers.js";
import { freeUdpPort } from "../helpers/ports.js";

const BUFFER_MS = 300;
const SEGMENT_SEC = 2;
const PASS = "bad-input-secret-1";

interface Sample {
  t: number;
  active: string | null;
  b: InputStatus;
  a: InputStatus;
  segAgeSec: number;
}

describe("bad input on one SRT input never disturbs the rest of the channel", { timeout: 300_000 }, () => {
  const dir = tempDir("antenne-srt-bad-");
  const hlsDir = join(dir, "hls");
  const logs = new LogSink();
  const peers: ChildProcess[] = [];
  const samples: Sample[] = [];
  let d: Daemon;
  let portA = 0;
  let portB = 0;
  let portC = 0;
  let monitor: NodeJS.Timeout | null = null;
  let lastSeq = -1;
  let bSender: ChildProcess | null = null;

  const urlA = (q = "") => `srt://127.0.0.1:${portA}?mode=caller&latency=120000&passphrase=${PASS}${q}`;
  const track = (c: ChildProcess) => (peers.push(c), c);
  const goodA = (freq = 440) => track(ffmpegTone(urlA(), freq, "aac"));
  const a = () => inputStatus(d, "a");

  /** B on air, available, HLS segments fresh and without discontinuity, in every sample since `from`. */
  const assertRestUnaffected = async (from: number, what: string) => {
    const mine = samples.slice(from);
    assert.ok(mine.length >= 2, `${what}: monitor samples`);
    for (const s of mine) {
      assert.equal(s.active, "b", `${what}: active at ${s.t} ms`);
      assert.ok(s.b.available && s.b.state === "connected", `${what}: B available at ${s.t} ms`);
      assert.ok(s.segAgeSec <= 2 * SEGMENT_SEC + 1, `${what}: last HLS segment ${s.segAgeSec} s old`);
    }
    // A step can be shorter than a segment: wait (bounded) for the next one.
    const pl = await until(
      () => {
        const p = media(hlsDir, "bad", "midfi");
        return p && p.segments.at(-1)!.seq > lastSeq ? p : null;
      },
      (2 * SEGMENT_SEC + 2) * 1000,
      `${what}: HLS sequence goes on`,
    );
    assert.ok(
      pl.segments.every((s) => !s.discontinuity),
      `${what}: no HLS discontinuity`,
    );
    lastSeq = pl.segments.at(-1)!.seq;
  };

  before(async () => {
    [portA, portB, portC] = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
    d = await startLoggedDaemon(
      (api) => `
channel: bad
audio: { sampleRate: 48000, channels: 2 }
inputs:
  - id: b
    srt: { mode: listener, bind: "127.0.0.1:${portB}", latencyMs: 120 }
  - id: a
    srt: { mode: listener, bind: "127.0.0.1:${portA}", latencyMs: 120, passphrase: "${PASS}" }
  - id: c
    srt: { mode: caller, connect: "127.0.0.1:${portC}", latencyMs: 120 }
switcher:
  statePath: ./state.json
  bufferMs: ${BUFFER_MS}
  starvationMs: 300
  returnDelaySec: 1
  silence: { minNoiseSec: 0.2 }
profiles:
  midfi: { codec: aac, bitrate: 96k }
outputs:
  hls: { dir: ./hls, segmentSec: ${SEGMENT_SEC}, windowSegments: 10, profiles: [midfi] }
api: { listen: "127.0.0.1:${api}" }
`,
      dir,
      logs.log,
    );
    bSender = track(ffmpegTone(`srt://127.0.0.1:${portB}?mode=caller&latency=120000`, 660, "aac", 290_000));
    await until(
      async () => (await status(d)).active === "b" && media(hlsDir, "bad", "midfi") !== null,
      20_000,
      "B on air and HLS started",
      200,
    );
    const t0 = performance.now();
    monitor = setInterval(() => {
      void status(d)
        .then((s) => {
          const last = lastSegmentWallMs(s);
          samples.push({
            t: Math.round(performance.now() - t0),
            active: s.active,
            b: s.inputs.find((i) => i.id === "b")!,
            a: s.inputs.find((i) => i.id === "a")!,
            segAgeSec: (Date.now() - last) / 1000,
          });
        })
        .catch(() => undefined);
    }, 250);
    await sleep(1000);
  });

  // Whatever a test started on A (even when it failed half-way) is gone before the next one.
  afterEach(async () => {
    await Promise.all(peers.filter((p) => p !== bSender).map((p) => kill(p)));
  });

  after(async () => {
    if (monitor) clearInterval(monitor);
    await Promise.all(peers.map((p) => kill(p)));
    await d?.close();
  });

  test("random UDP datagrams at A's port: dropped by libsrt, nothing connects, nothing breaks", async () => {
    const from = samples.length;
    const before = await a();
    const udp = createSocket("udp4");
    const rnd = seededRandom(0xbad);
    for (let i = 0; i < 2000; i++) {
      const b = seededBytes(rnd, 1 + Math.floor(rnd() * 1400));
      // A third look like SRT control packets (high bit set): handshakes from nowhere.
      if (i % 3 === 0) b[0] = 0x80 | (b[0]! & 0x7f);
      await new Promise<void>((r) => udp.send(b, portA, "127.0.0.1", () => r()));
      if (i % 100 === 0) await sleep(10);
    }
    udp.close();
    await sleep(1500);
    const after = await a();
    assert.equal(after.state, "listening");
    assert.equal(after.connections, before.connections, "no connection from noise");
    assert.equal(after.receivedBytes, before.receivedBytes, "no byte of noise reached the decoder");
    await assertRestUnaffected(from, "random UDP");
  });

  test("a valid SRT connection carrying random bytes: rejected.undecodable after ~3 s", async () => {
    const from = samples.length;
    const mark = logs.lines.length;
    const slt = track(
      spawnBounded(
        "srt-live-transmit",
        ["-q", "file://con", `srt://127.0.0.1:${portA}?mode=caller&latency=120&passphrase=${PASS}`],
        30_000,
      ),
    );
    const garbage = seededRandom(0x6a7b);
    const feed = setInterval(() => slt.stdin?.write(seededBytes(garbage, 1316)), 20);
    try {
      await until(async () => (await a()).state === "connected", 5000, "random-bytes sender connected");
      const t0 = performance.now();
      await until(
        async () => ((await a()).rejected.undecodable ?? 0) >= 1,
        8000,
        "rejected.undecodable",
        200,
      );
      const ms = performance.now() - t0;
      console.log(`random bytes flagged undecodable after ${ms.toFixed(0)} ms`);
      assert.ok(ms >= 2000, `flagged after ${ms.toFixed(0)} ms (UNDECODABLE_MS is 3 s)`);
      const s = await a();
      assert.ok(s.receivedBytes > 50_000, `receivedBytes ${s.receivedBytes}`);
      assert.equal(s.available, false, "garbage is never available");
      assert.ok(
        logs.find(/does not decode as audio/, { input: "a" }, mark).length === 1,
        "one clear log line",
      );
      const m = await metrics(d);
      assert.equal(metric(m, "antenne_input_rejected_total", { input: "a", reason: "undecodable" }), 1);
    } finally {
      clearInterval(feed);
      await kill(slt);
    }
    await assertRestUnaffected(from, "random bytes over SRT");
  });

  test("a wrong passphrase is rejected and counted", async () => {
    const from = samples.length;
    const mark = logs.lines.length;
    const before = (await a()).rejected.passphrase ?? 0;
    const c0 = (await a()).connections;
    const wrong = track(
      ffmpegTone(
        `srt://127.0.0.1:${portA}?mode=caller&latency=120000&passphrase=not-the-secret-9`,
        440,
        "aac",
        15_000,
      ),
    );
    await until(
      async () => ((await a()).rejected.passphrase ?? 0) > before,
      8000,
      "rejected.passphrase",
      200,
    );
    await kill(wrong);
    await sleep(1000);
    assert.ok(
      logs.find(/wrong or missing passphrase/, { code: "ANTENNE_SRT_REJECTED_PASSPHRASE" }, mark).length >= 1,
      "log line",
    );
    const s = await a();
    assert.equal(s.connections, c0, "not adopted");
    await assertRestUnaffected(from, "wrong passphrase");
  });

  test("a second caller while the first is live is rejected busy; the first keeps its place", async () => {
    const from = samples.length;
    const first = goodA(440);
    await until(async () => (await a()).available, 10_000, "A available with a good sender", 200);
    const s1 = await a();
    const mark = logs.lines.length;
    const second = track(ffmpegTone(urlA(), 550, "aac", 15_000));
    await until(async () => ((await a()).rejected.busy ?? 0) >= 1, 8000, "rejected.busy", 100);
    await sleep(1000);
    const s2 = await a();
    assert.equal(peerOf(s2), peerOf(s1), "the first publisher keeps its place");
    assert.equal(s2.connections, s1.connections);
    assert.ok(s2.available && s2.receivedBytes > s1.receivedBytes);
    assert.ok(
      logs.find(/already has a live publisher/, { code: "ANTENNE_SRT_REJECTED_BUSY" }, mark).length >= 1,
      "log line",
    );
    const m = await metrics(d);
    assert.ok(metric(m, "antenne_input_rejected_total", { input: "a", reason: "busy" }) >= 1);
    await kill(second);
    await kill(first);
    await assertRestUnaffected(from, "second caller");
  });

  test("a sender at 10 × real time: held at its target, counted, never on air; B unaffected", async () => {
    await sleep(600); // A's previous publisher is starved: the next caller is taken at once
    const from = samples.length;
    const c0 = (await a()).connections;
    const fast = track(
      spawnBounded("ffmpeg", [...sine(440, { readrate: 10 }), "-c:a", "aac", "-f", "mpegts", urlA()], 60_000),
    );
    await until(
      async () => (await a()).connections > c0 && (await a()).bufferMs > 0,
      8000,
      "fast sender decoded",
    );
    try {
      const mark = logs.lines.length;
      // Recognised as racing ahead of real time within a couple of seconds of arrivals.
      await until(async () => ((await a()).rejected.overrun ?? 0) > 0, 8000, "overrun counted");
      await sleep(500);
      const bufs: number[] = [];
      for (let i = 0; i < 40; i++) {
        bufs.push((await a()).bufferMs);
        await sleep(100);
      }
      const s = await a();
      console.log(
        `10x sender: A bufferMs min ${Math.min(...bufs)} max ${Math.max(...bufs)}, rejected ${JSON.stringify(s.rejected)}`,
      );
      assert.ok(s.receivedBytes > 0 && s.state === "connected");
      assert.ok(
        Math.max(...bufs) <= BUFFER_MS + 200,
        `A bufferMs max ${Math.max(...bufs)} (target ${BUFFER_MS})`,
      );
      assert.ok((s.rejected.overrun ?? 0) > 0, "rejected.overrun counts the cuts back to target");
      assert.equal(s.available, false, "a sender far faster than real time is not a usable live source");
      assert.ok(logs.find(/faster than real time/, { input: "a" }, mark).length >= 1, "log line");
      const m = await metrics(d);
      assert.ok(metric(m, "antenne_input_rejected_total", { input: "a", reason: "overrun" }) > 0);
    } finally {
      await kill(fast);
    }
    await assertRestUnaffected(from, "10x sender");
  });

  test("44.1 kHz mono → 48 kHz stereo mid-stream: A keeps decoding and the new audio is heard", async () => {
    await sleep(600);
    const from = samples.length;
    // Two TS files with the same PIDs; the second's timestamps continue the first's.
    const part1 = join(dir, "part1.ts");
    const part2 = join(dir, "part2.ts");
    const both = join(dir, "both.ts");
    const mk = (args: string[]) => run("ffmpeg", ["-y", ...args], { timeoutMs: 30_000 });
    const r1 = await mk([
      ...sine(440, { rate: 44100, mono: true, realtime: false }),
      "-t",
      "6",
      "-c:a",
      "aac",
      "-b:a",
      "96k",
      "-f",
      "mpegts",
      part1,
    ]);
    const r2 = await mk([
      ...sine(880, { rate: 48000, realtime: false }),
      "-t",
      "20",
      "-c:a",
      "aac",
      "-b:a",
      "128k",
      "-output_ts_offset",
      "6",
      "-f",
      "mpegts",
      part2,
    ]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(r2.code, 0, r2.stderr);
    const cat = await run("sh", ["-c", `cat '${part1}' '${part2}' > '${both}'`], { timeoutMs: 10_000 });
    assert.equal(cat.code, 0);
    const c0 = (await a()).connections;
    const restarts0 = d.channel.inputs.find((i) => i.id === "a")!.link().decoderRestarts ?? 0;
    const sender = track(
      spawnBounded(
        "ffmpeg",
        [
          "-hide_banner",
          "-loglevel",
          "error",
          "-nostdin",
          "-re",
          "-i",
          both,
          "-c",
          "copy",
          "-f",
          "mpegts",
          urlA(),
        ],
        60_000,
      ),
    );
    await until(
      async () => (await a()).connections > c0 && (await a()).available,
      8000,
      "A available (part 1)",
      100,
    );
    const levels: number[] = [];
    for (let i = 0; i < 40; i++) {
      // 8 s: across the change at 6 s.
      levels.push((await a()).levelDb.rms);
      await sleep(200);
    }
    console.log(`rate/layout change: A rms every 200 ms over 8 s: ${levels.join(" ")}`);
    // Mono is upmixed at -3 dB by ffmpeg (-24 dBFS), stereo is -21 dBFS. The change itself may
    // cost one meter frame (part 2 was encoded on its own, so it starts with 21 ms of AAC
    // priming silence in the content), never more.
    const dips = levels.filter((l) => l <= -45);
    assert.ok(dips.length <= 1, `A's level dropped below -45 dBFS ${dips.length} times: ${dips.join(" ")}`);
    assert.ok(
      levels.slice(-8).every((l) => Math.abs(l + 21) < 1.5),
      "stereo part at -21 dBFS",
    );
    const s = await a();
    assert.ok(s.available, "A still available after the change");
    const aSamples = samples.slice(from).filter((x) => x.a.connections > c0 && x.a.available);
    const firstOk = samples.indexOf(aSamples[0]!);
    assert.ok(
      samples.slice(firstOk).every((x) => x.a.available),
      "A never unavailable across the change",
    );
    const restarts = d.channel.inputs.find((i) => i.id === "a")!.link().decoderRestarts ?? 0;
    assert.equal(restarts - restarts0, 1, "one decoder renewal for the new connection, none for the change");
    await assertRestUnaffected(from, "rate/layout change");
    // Put A on air to hear what it decodes after the change: 880 Hz (part 2).
    const res = await fetch(`${d.url}/api/v1/switch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: "a" }),
    });
    assert.equal(res.status, 200, await res.text());
    const tone = await toneInHls(hlsDir, "bad", "midfi", Date.now() + 200, [440, 660, 880]);
    assert.equal(tone.freq, 880, `HLS after the change carries ${tone.freq} Hz`);
    await fetch(`${d.url}/api/v1/switch`, { method: "DELETE" });
    await until(async () => (await status(d)).active === "b", 5000, "B back on air");
    await kill(sender);
  });

  test("a sender killed with SIGKILL and restarted at once is decoded again within 1 s", async () => {
    await sleep(600);
    const from = samples.length;
    const first = goodA(440);
    await until(async () => (await a()).available, 10_000, "A available", 100);
    await sleep(1500);
    const c0 = (await a()).connections;
    const mark = logs.lines.length;
    await kill(first, "SIGKILL");
    const restartedAt = performance.now();
    const wall0 = Date.now();
    goodA(440);
    // Decoded again = the new connection is adopted (its "connected" resets the buffer) and
    // its PCM is in the buffer. On air needs bufferMs of audio first (the level meter reads
    // the buffer once it holds its target), then minNoiseSec + returnDelaySec like any return.
    let decodedMs = 0;
    const levelMs = await until(
      async () => {
        const s = await a();
        const now = performance.now() - restartedAt;
        if (!decodedMs && s.connections > c0 && s.state === "connected" && s.bufferMs > 0) decodedMs = now;
        return decodedMs && s.levelDb.rms > -60 ? now : 0;
      },
      5000,
      "A decoded again",
      20,
    );
    const adopted = logs.find(/srt connected/, { input: "a" }, mark)[0]?.time as number | undefined;
    assert.ok(
      adopted !== undefined && adopted - wall0 <= 1000,
      "adopted within 1 s: no wait for SRT's 5 s timeout",
    );
    console.log(
      `SIGKILLed sender restarted at once: adopted +${adopted ? adopted - wall0 : "?"} ms, ` +
        `PCM in the buffer +${decodedMs.toFixed(0)} ms, level metered +${levelMs.toFixed(0)} ms`,
    );
    // SPEC §3: connected and decoded again within 1 s. Ours is the adoption (the old publisher is
    // gone once silent for starvationMs past its usual gaps, ~0.7 s for ffmpeg's default ~0.3 s
    // bursts); a restarted stock ffmpeg then takes its own time to send its first packet (its
    // muxer holds up to 0.7 s): measured without load in bench/switch-latency.ts, bounded here
    // with room for a loaded machine.
    assert.ok(decodedMs <= 1500, `decoded again ${decodedMs.toFixed(0)} ms after the restart`);
    assert.ok(levelMs <= 1500 + BUFFER_MS + 200, `level back ${levelMs.toFixed(0)} ms after the restart`);
    assert.ok(logs.find(/srt connected/, { input: "a" }, mark).length >= 1);
    await until(async () => (await a()).available, 5000, "A available again", 100);
    await assertRestUnaffected(from, "SIGKILL + restart");
  });

  test("a caller input whose target is not listening at start connects when it appears", async () => {
    const from = samples.length;
    const c = await inputStatus(d, "c");
    assert.equal(c.state, "connecting");
    assert.equal(c.connections, 0);
    assert.equal(c.available, false);
    assert.ok(c.unavailableSec > 10, `unavailableSec ${c.unavailableSec}`);
    assert.equal(
      logs.find(/SRT connect failed; retrying/, { input: "c", code: "ANTENNE_SRT_CONNECT_FAILED" }).length,
      1,
      "one line, not one per retry",
    );
    const appearedAt = performance.now();
    track(ffmpegTone(`srt://127.0.0.1:${portC}?mode=listener&latency=120000`, 880, "aac"));
    await until(
      async () => {
        const s = await inputStatus(d, "c");
        return s.state === "connected" && s.connections === 1 && s.available;
      },
      20_000,
      "C connected and available",
      200,
    );
    console.log(
      `caller connected ${(performance.now() - appearedAt).toFixed(0)} ms after its target appeared`,
    );
    await assertRestUnaffected(from, "late caller target");
  });

  test("the daemon is healthy at the end: every counter in /metrics, promtool clean", async () => {
    const m = await metrics(d);
    for (const reason of ["passphrase", "busy", "undecodable"])
      assert.ok(metric(m, "antenne_input_rejected_total", { input: "a", reason }) >= 1, reason);
    assert.equal(metric(m, "antenne_input_rejected_total", { input: "b", reason: "busy" }), 0);
    assert.equal(metric(m, "antenne_input_connections_total", { input: "b" }), 1, "B never reconnected");
    const r = await run("promtool", ["check", "metrics"], { timeoutMs: 20_000, input: m });
    assert.equal(r.code, 0, r.stderr + r.stdout.toString());
    const ready = await fetch(`${d.url}/readyz`);
    assert.equal(ready.status, 200);
  });
});
