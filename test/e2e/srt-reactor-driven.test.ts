/**
 * The daemon's SRT reactor is driven by the program tick (srt-reactor.ts): no wait on the libuv
 * pool, every accept, connect, read and broken link handled by `poll()`. Real libsrt, stock
 * ffmpeg and srt-live-transmit peers on loopback; the test calls `poll()` as the tick does, and
 * holds it back to show nothing happens without it.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { systemClock } from "../../src/clock/clock.js";
import type { SrtOptions } from "../../src/config/schema.js";
import { loadLibSrt } from "../../src/input/srt/libsrt.js";
import { SrtInput } from "../../src/input/srt/srt-input.js";
import { SrtReactor } from "../../src/input/srt/srt-reactor.js";
import { silentLogger } from "../../src/log.js";
import { testErrors } from "../helpers/deps.js";
import { freeUdpPort } from "../helpers/ports.js";
import { sleep, until } from "../helpers/proc.js";
import { ffmpegSender, isMpegTs, kill, killAll, spawnBounded } from "./srt-helpers.js";

const TICK_MS = 60;
const inputs: SrtInput[] = [];
const tickers: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const t of tickers.splice(0)) clearInterval(t);
  await Promise.all(inputs.splice(0).map((i) => i.close()));
  await killAll();
});

function driven(): SrtReactor {
  return new SrtReactor(loadLibSrt(), { clock: systemClock, driven: true, log: silentLogger() });
}

function polledInput(reactor: SrtReactor, srt: Partial<SrtOptions> & Pick<SrtOptions, "mode">) {
  const chunks: Buffer[] = [];
  const input = new SrtInput({
    id: "driven",
    srt: { latencyMs: 200, passphrase: "", pbKeyLen: 0, streamId: null, ...srt } as SrtOptions,
    starvationMs: 300,
    log: silentLogger(),
    polled: true,
    reactor,
    clock: systemClock,
    errors: testErrors(),
    onData: (c) => chunks.push(c),
  });
  inputs.push(input);
  input.start();
  return { input, chunks, bytes: () => chunks.reduce((n, c) => n + c.length, 0) };
}

/** Polls every input on one tick, as the channel does (one reactor poll per tick). */
function tick(...polled: SrtInput[]): void {
  const at = systemClock.monoMs();
  for (const i of polled) i.poll(at);
}

function startTicking(...polled: SrtInput[]): void {
  tickers.push(setInterval(() => tick(...polled), TICK_MS));
}

void test("driven reactor: a stock ffmpeg caller is accepted, read and lost only by the tick's polls", async () => {
  const reactor = driven();
  const port = await freeUdpPort();
  const h = polledInput(reactor, { mode: "listener", bind: `127.0.0.1:${port}` });
  const sender = ffmpegSender(`srt://127.0.0.1:${port}`, 30_000);
  // The handshake completes inside libsrt; without a poll nobody accepts or reads it.
  await sleep(1500);
  assert.equal(h.input.status().state, "listening", "nothing accepted without a poll");
  assert.equal(h.bytes(), 0);
  startTicking(h.input);
  await until(() => h.bytes() > 20_000, 8000, "20 kB through polls", 5);
  assert.equal(h.input.status().state, "connected");
  assert.ok(isMpegTs(Buffer.concat(h.chunks)), "MPEG-TS read");
  assert.equal(reactor.wakeups, 0, "no srt_epoll_uwait ran on the libuv pool");
  // ffmpeg closes its SRT socket on SIGINT: the broken link shows at the next poll.
  await kill(sender, "SIGINT");
  await until(() => h.input.status().state === "listening", 8000, "back to listening", 5);
  assert.equal(reactor.wakeups, 0);
});

void test("driven reactor: a caller input connects to a stock srt-live-transmit listener by polls", async () => {
  const reactor = driven();
  const port = await freeUdpPort();
  const ff = spawnBounded(
    "ffmpeg",
    ["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000"].concat(
      ["-c:a", "aac", "-f", "mpegts", "pipe:1"],
    ),
    30_000,
  );
  const slt = spawnBounded("srt-live-transmit", ["-q", "file://con", `srt://:${port}`], 30_000);
  ff.stdout?.pipe(slt.stdin as NodeJS.WritableStream);
  await sleep(500);
  const h = polledInput(reactor, { mode: "caller", connect: `127.0.0.1:${port}` });
  await sleep(1500);
  assert.equal(h.input.status().state, "connecting", "the connect completes only at a poll");
  startTicking(h.input);
  await until(() => h.bytes() > 20_000, 10_000, "20 kB through polls", 5);
  assert.equal(h.input.status().state, "connected");
  assert.equal(reactor.wakeups, 0);
});

void test("driven reactor: two inputs on one tick make one reactor poll, and both are read", async () => {
  const lib = loadLibSrt();
  let reactorPolls = 0;
  const counted = {
    ...lib,
    epollPoll: (eid: number, events: Buffer) => {
      reactorPolls++;
      return lib.epollPoll(eid, events);
    },
  };
  const reactor = new SrtReactor(counted, { clock: systemClock, driven: true, log: silentLogger() });
  const [p1, p2] = [await freeUdpPort(), await freeUdpPort()];
  const a = polledInput(reactor, { mode: "listener", bind: `127.0.0.1:${p1}` });
  const b = polledInput(reactor, { mode: "listener", bind: `127.0.0.1:${p2}` });
  ffmpegSender(`srt://127.0.0.1:${p1}`, 30_000);
  ffmpegSender(`srt://127.0.0.1:${p2}`, 30_000);
  let ticks = 0;
  tickers.push(
    setInterval(() => {
      ticks++;
      tick(a.input, b.input);
    }, TICK_MS),
  );
  await until(() => a.bytes() > 20_000 && b.bytes() > 20_000, 10_000, "both read", 5);
  assert.equal(a.input.status().state, "connected");
  assert.equal(b.input.status().state, "connected");
  assert.ok(
    reactorPolls <= ticks && reactorPolls >= ticks - 1,
    `${reactorPolls} reactor polls in ${ticks} ticks`,
  );
  assert.equal(reactor.wakeups, 0);
});

void test("driven reactor: a tick reads only what libsrt says is ready; no read comes back empty", async () => {
  // An empty non-blocking read makes libsrt 1.5 signal the connection's TSBPD thread: two futex
  // wakes and two context switches per connection and tick, for nothing (srt-socket.ts).
  const lib = loadLibSrt();
  let reads = 0;
  let emptyReads = 0;
  const counted = {
    ...lib,
    recvTimed: (sock: number, buf: Buffer) => {
      const r = lib.recvTimed(sock, buf);
      reads++;
      if (r.n === 0) emptyReads++;
      return r;
    },
  };
  const reactor = new SrtReactor(counted, { clock: systemClock, driven: true, log: silentLogger() });
  const port = await freeUdpPort();
  const h = polledInput(reactor, { mode: "listener", bind: `127.0.0.1:${port}` });
  const sender = ffmpegSender(`srt://127.0.0.1:${port}`, 30_000);
  let ticks = 0;
  tickers.push(
    setInterval(() => {
      ticks++;
      tick(h.input);
    }, TICK_MS),
  );
  await until(() => h.bytes() > 40_000 && ticks >= 30, 10_000, "40 kB over 30 ticks", 5);
  assert.equal(h.input.status().state, "connected");
  assert.ok(isMpegTs(Buffer.concat(h.chunks)), "MPEG-TS read");
  assert.ok(reads > 0);
  assert.equal(emptyReads, 0, `${emptyReads} of ${reads} reads in ${ticks} ticks found nothing`);
  // The broken link is still found by the tick's polls.
  await kill(sender, "SIGINT");
  await until(() => h.input.status().state === "listening", 8000, "back to listening", 5);
});
