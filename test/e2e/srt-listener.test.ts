import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { afterEach, test } from "node:test";
import { ffmpegSender, isMpegTs, kill, killAll, makeInput, sltSender } from "./srt-helpers.js";
import type { Harness } from "./srt-helpers.js";
import { freeUdpPort } from "../helpers/ports.js";
import { sleep, until } from "../helpers/proc.js";
import { seededRandom } from "../helpers/random.js";

const open: Harness[] = [];
function input(...args: Parameters<typeof makeInput>): Harness {
  const h = makeInput(...args);
  open.push(h);
  h.input.start();
  return h;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.input.close()));
  await killAll();
});

const url = (port: number, q = "") => `srt://127.0.0.1:${port}?mode=caller&latency=200000${q}`;

void test("ffmpeg caller -> our listener: valid MPEG-TS, status and SRT stats", async () => {
  const port = await freeUdpPort();
  const h = input({ mode: "listener", bind: `127.0.0.1:${port}` });
  const connected: string[] = [];
  h.input.on("connected", ({ peer }) => connected.push(peer));
  assert.equal(h.input.status().state, "listening");
  ffmpegSender(url(port));
  await until(() => h.bytes() > 20_000, 8000, "20 kB", 5);
  assert.ok(isMpegTs(h.data()), "received bytes are MPEG-TS");
  await sleep(1200);
  const s = h.input.status();
  assert.equal(s.state, "connected");
  assert.match(s.peer ?? "", /^127\.0\.0\.1:\d+$/);
  assert.deepEqual(connected, [s.peer]);
  assert.equal(s.connections, 1);
  assert.equal(s.receivedBytes, h.bytes());
  assert.ok(s.srt, "stats polled");
  assert.ok(s.srt.packetsReceived > 10, `packetsReceived ${s.srt.packetsReceived}`);
  assert.ok(s.srt.receiveRateKbps > 0, `rate ${s.srt.receiveRateKbps}`);
  assert.ok(s.srt.receiveBufferMs >= 0 && s.srt.rttMs >= 0);
});

void test("srt-live-transmit caller -> our listener", async () => {
  const port = await freeUdpPort();
  const h = input({ mode: "listener", bind: `127.0.0.1:${port}` });
  sltSender(`srt://127.0.0.1:${port}?mode=caller&latency=200`);
  await until(() => h.bytes() > 20_000, 8000, "20 kB", 5);
  assert.ok(isMpegTs(h.data()));
});

void test("passphrase: right one delivers, wrong or missing one is refused and counted", async () => {
  const port = await freeUdpPort();
  const pass = "correct-horse-battery";
  const h = input({ mode: "listener", bind: `127.0.0.1:${port}`, passphrase: pass, pbKeyLen: 16 });
  const rejected: string[] = [];
  h.input.on("rejected", ({ reason }) => rejected.push(reason));

  const wrong = ffmpegSender(url(port, "&passphrase=wrong-horse-battery"), 10_000);
  await until(() => h.input.status().rejected.passphrase >= 1, 5000, "passphrase rejection", 5);
  await kill(wrong);
  const none = ffmpegSender(url(port), 10_000);
  await until(() => h.input.status().rejected.passphrase >= 2, 5000, "second passphrase rejection", 5);
  await kill(none);
  assert.equal(h.bytes(), 0, "no byte from a caller without the right passphrase");
  assert.equal(h.input.status().connections, 0);

  ffmpegSender(url(port, `&passphrase=${pass}&pbkeylen=16`));
  await until(() => h.bytes() > 10_000, 8000, "data with the right passphrase", 5);
  assert.ok(isMpegTs(h.data()));
  assert.deepEqual(rejected, ["passphrase", "passphrase"]);
});

void test("our listener without passphrase refuses an encrypted caller", async () => {
  const port = await freeUdpPort();
  const h = input({ mode: "listener", bind: `127.0.0.1:${port}` });
  ffmpegSender(url(port, "&passphrase=some-secret-123"), 10_000);
  await until(() => h.input.status().rejected.passphrase >= 1, 5000, "rejection", 5);
  assert.equal(h.bytes(), 0);
});

void test("a second caller is rejected busy while the first keeps delivering", async () => {
  const port = await freeUdpPort();
  const h = input({ mode: "listener", bind: `127.0.0.1:${port}` });
  ffmpegSender(url(port));
  await until(() => h.bytes() > 5000, 8000, "first publisher", 5);
  const firstPeer = h.input.status().peer;
  ffmpegSender(url(port), 10_000);
  await until(() => h.input.status().rejected.busy >= 1, 5000, "busy rejection", 5);
  const before = h.bytes();
  await sleep(1000);
  const s = h.input.status();
  assert.equal(s.peer, firstPeer, "the first publisher keeps its place");
  assert.equal(s.connections, 1);
  assert.ok(h.bytes() > before + 5000, "the first publisher keeps delivering");
});

void test("random UDP datagrams at the port: no crash, publisher unaffected", async () => {
  const port = await freeUdpPort();
  const h = input({ mode: "listener", bind: `127.0.0.1:${port}` });
  ffmpegSender(url(port));
  await until(() => h.bytes() > 5000, 8000, "publisher", 5);
  const udp = createSocket("udp4");
  const rnd = seededRandom(0x5eed);
  for (let i = 0; i < 500; i++) {
    const len = 1 + Math.floor(rnd() * 1400);
    const b = Buffer.alloc(len);
    for (let j = 0; j < len; j++) b[j] = Math.floor(rnd() * 256);
    // Some look like SRT control packets (high bit set), most are noise.
    if (i % 3 === 0) b[0] = 0x80;
    await new Promise<void>((r) => udp.send(b, port, "127.0.0.1", () => r()));
  }
  udp.close();
  const before = h.bytes();
  await sleep(1000);
  assert.ok(h.bytes() > before + 5000, "still delivering");
  assert.ok(isMpegTs(h.data()), "nothing of the noise reached the sink");
  assert.equal(h.input.status().connections, 1);
});

void test("a sender killed with SIGKILL and restarted at once is received again within 1 s", async () => {
  const port = await freeUdpPort();
  const h = input({ mode: "listener", bind: `127.0.0.1:${port}` }, 300);
  const connectedAt: number[] = [];
  h.input.on("connected", () => connectedAt.push(performance.now()));
  const first = ffmpegSender(url(port));
  await until(() => h.bytes() > 10_000, 8000, "first sender", 5);
  await kill(first);
  const restartedAt = performance.now();
  ffmpegSender(url(port));
  await until(() => connectedAt.length === 2, 3000, "second connection", 5);
  const second = connectedAt[1] ?? Infinity;
  // Every chunk after the second "connected" comes from the new sender (the old one is closed).
  await until(() => (h.arrivals.at(-1) ?? 0) >= second, 3000, "bytes from the restarted sender", 5);
  const firstNew = h.arrivals.find((t) => t >= second) ?? Infinity;
  const ms = firstNew - restartedAt;
  console.log(`restart -> first bytes: ${ms.toFixed(0)} ms`);
  assert.ok(ms < 1000, `bytes flowed ${ms.toFixed(0)} ms after the restart`);
});

void test("streamId on a listener: the exact id is accepted, another one rejected", async () => {
  const port = await freeUdpPort();
  const h = input({ mode: "listener", bind: `127.0.0.1:${port}`, streamId: "studio-a" });
  ffmpegSender(url(port, "&streamid=studio-b"), 10_000);
  await until(() => h.input.status().rejected.streamid >= 1, 5000, "streamid rejection", 5);
  assert.equal(h.bytes(), 0);
  await killAll();
  ffmpegSender(url(port, "&streamid=studio-a"));
  await until(() => h.bytes() > 5000, 8000, "data with the right stream id", 5);
  assert.equal(h.input.status().rejected.streamid, 1);
});

void test("IPv6 [::1] listener", async () => {
  const port = await freeUdpPort("::1");
  const h = input({ mode: "listener", bind: `[::1]:${port}` });
  ffmpegSender(`srt://[::1]:${port}?mode=caller&latency=200000`);
  await until(() => h.bytes() > 10_000, 8000, "data over IPv6", 5);
  assert.ok(isMpegTs(h.data()));
  assert.match(h.input.status().peer ?? "", /^\[::1\]:\d+$/);
});

void test("close() is idempotent and prompt", async () => {
  const port = await freeUdpPort();
  const h = makeInput({ mode: "listener", bind: `127.0.0.1:${port}` });
  h.input.start();
  ffmpegSender(url(port));
  await until(() => h.bytes() > 5000, 8000, "publisher", 5);
  const t0 = performance.now();
  await Promise.all([h.input.close(), h.input.close()]);
  const ms = performance.now() - t0;
  await h.input.close();
  assert.ok(ms <= 200, `close took ${ms.toFixed(0)} ms`);
  assert.equal(h.input.status().state, "idle");
  // The port is free again: a new listener binds it.
  const h2 = input({ mode: "listener", bind: `127.0.0.1:${port}` });
  await sleep(100);
  assert.equal(h2.input.status().state, "listening");
});
