/**
 * The source client against a scripted TCP peer: handshake variants (Icecast 2.4 100+200,
 * 2.5 100 only, legacy SOURCE), replay dropping, a server that stops reading, refusals.
 * The real icecast2 runs in test/e2e/icecast-*.test.ts.
 */
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { test } from "node:test";
import type { IcecastConfig } from "../../src/config/load.js";
import { silentLogger } from "../../src/log.js";
import { IcecastOutput } from "../../src/output/icecast/source-client.js";
import { ManualStream } from "../helpers/icecast-feed.js";

import { FakeClock } from "../../src/clock/fake-clock.js";
import { componentDeps, testErrors } from "../helpers/deps.js";
import { sleep, until } from "../helpers/proc.js";

interface Peer {
  head: string;
  socket: Socket;
  received: () => number;
}

/** A TCP server that hands each connection's request head to `onRequest`. */
async function scriptedServer(
  onRequest: (p: Peer) => void,
): Promise<{ port: number; peers: Peer[]; srv: Server }> {
  const peers: Peer[] = [];
  const srv = createServer((socket) => {
    let buf = Buffer.alloc(0);
    let body = 0;
    let peer: Peer | null = null;
    socket.on("error", () => {});
    socket.on("data", (d: Buffer) => {
      if (peer) {
        body += d.length;
        return;
      }
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      body = buf.length - end - 4;
      peer = { head: buf.subarray(0, end).toString(), socket, received: () => body };
      peers.push(peer);
      onRequest(peer);
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const a = srv.address();
  return { port: typeof a === "object" && a ? a.port : 0, peers, srv };
}

function config(port: number, over: Partial<IcecastConfig> = {}): IcecastConfig {
  return {
    id: "test-out",
    url: `http://source:pw@127.0.0.1:${port}/live.aac`,
    mount: "/live.aac",
    profile: "test",
    public: false,
    admin: null,
    method: "PUT",
    name: "Test FM",
    ...over,
  };
}

const frame = (pos: number, size = 400) => ({ data: Buffer.alloc(size, pos % 251), pos, samples: 1024 });

async function feedFor(stream: ManualStream, firstPos: number, count: number): Promise<number> {
  let pos = firstPos;
  for (let i = 0; i < count; i++, pos += 1024) stream.emitFrame(frame(pos));
  await sleep(50);
  return pos;
}

for (const variant of ["2.4 (100 then 200)", "2.5 (100 only)", "SOURCE (200)"] as const) {
  void test(`handshake ${variant}: streams frames after the answer, drops replayed positions`, async () => {
    const { port, peers, srv } = await scriptedServer((p) => {
      if (variant.startsWith("SOURCE")) p.socket.write("HTTP/1.0 200 OK\r\n\r\n");
      else p.socket.write("HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n");
      if (variant.startsWith("2.4")) setTimeout(() => p.socket.write("HTTP/1.0 200 OK\r\n\r\n"), 20);
    });
    const stream = new ManualStream();
    const states: string[] = [];
    const out = new IcecastOutput({
      config: config(port, variant.startsWith("SOURCE") ? { method: "SOURCE" } : {}),
      stream,
      ...componentDeps(),
      log: silentLogger(),
    });
    out.on("state", (e) => states.push(e.state));
    try {
      out.start();
      await until(() => out.status().state === "running", 3000, "running");
      const head = peers[0]!.head;
      if (variant.startsWith("SOURCE")) assert.match(head, /^SOURCE \/live.aac HTTP\/1.0\r\n/);
      else assert.match(head, /^PUT \/live.aac HTTP\/1.1\r\n[\s\S]*\r\nExpect: 100-continue$/);
      assert.match(head, /\r\nContent-Type: audio\/aac\r\n/);
      assert.match(head, /\r\nice-name: Test FM(\r\n|$)/);
      assert.match(head, /\r\nice-audio-info: ice-bitrate=128;ice-samplerate=44100;ice-channels=2\r\n/);
      assert.match(
        head,
        new RegExp(`\\r\\nAuthorization: Basic ${Buffer.from("source:pw").toString("base64")}\\r\\n`),
      );

      let pos = await feedFor(stream, 0, 10);
      // A restarted encoder replays 5 frames: none of them reaches the server.
      pos = await feedFor(stream, pos - 5 * 1024, 5);
      await feedFor(stream, pos, 3);
      await until(() => peers[0]!.received() === 13 * 400, 2000, "13 frames received");
      await sleep(100);
      assert.equal(peers[0]!.received(), 13 * 400);
      const st = out.status();
      assert.equal(st.sentBytes, 13 * 400);
      assert.equal(st.droppedFrames, 0);
      assert.equal(st.restarts, 0);
      assert.equal(st.listeners, null);
      assert.deepEqual(states, ["connecting", "connected", "running"]);
    } finally {
      await out.close();
      srv.close();
    }
    assert.equal(out.status().state, "stopped");
    assert.equal(stream.listenerCount(), 0);
    await out.close(); // idempotent
  });
}

void test("frames are gathered for flushMs and leave together; close() sends what was gathered (fake clock)", async () => {
  const clock = new FakeClock();
  const { port, peers, srv } = await scriptedServer((p) => p.socket.write("HTTP/1.0 200 OK\r\n\r\n"));
  const stream = new ManualStream();
  const out = new IcecastOutput({
    config: config(port, { method: "SOURCE" }),
    stream,
    clock,
    errors: testErrors(silentLogger(), clock),
    log: silentLogger(),
  });
  try {
    out.start();
    await until(() => out.status().state === "running", 3000, "running");
    // Three program ticks' worth of frames, 60 ms of fake time apart: nothing leaves yet.
    let pos = 0;
    for (let tick = 0; tick < 3; tick++) {
      for (let i = 0; i < 3; i++, pos += 1024) stream.emitFrame(frame(pos));
      await clock.advanceAsync(60);
    }
    await sleep(100); // real time for a write, had there been one
    assert.equal(peers[0]!.received(), 0, "gathered, not written, before flushMs");
    await clock.advanceAsync(250 - 180 - 1);
    await sleep(50);
    assert.equal(peers[0]!.received(), 0, "still gathered 1 ms before flushMs");
    await clock.advanceAsync(1);
    await until(() => peers[0]!.received() === 9 * 400, 2000, "9 frames in one flush");
    // The next frame starts a new gathering; close() does not wait for it to end.
    stream.emitFrame(frame(pos));
    await sleep(50);
    assert.equal(peers[0]!.received(), 9 * 400);
    await out.close();
    await until(() => peers[0]!.received() === 10 * 400, 2000, "the gathered frame sent at close");
  } finally {
    await out.close();
    srv.close();
  }
});

void test("a burst bigger than the queue bound (the program's first segment, made at once) reaches a reading server whole", async () => {
  const { port, peers, srv } = await scriptedServer((p) => p.socket.write("HTTP/1.0 200 OK\r\n\r\n"));
  const stream = new ManualStream("aac", 32_000);
  const out = new IcecastOutput({
    config: config(port, { method: "SOURCE" }),
    stream,
    ...componentDeps(),
    log: silentLogger(),
    maxQueueSec: 1, // 16 KiB (the floor)
  });
  try {
    out.start();
    await until(() => out.status().state === "running", 3000, "running");
    for (let i = 0; i < 100; i++) stream.emitFrame(frame(i * 1024)); // 40 000 bytes in one tick
    await until(() => peers[0]!.received() === 100 * 400, 3000, "the whole burst received");
    assert.equal(out.status().droppedFrames, 0);
  } finally {
    await out.close();
    srv.close();
  }
});

void test("a server that stops reading costs dropped frames, never a blocked feed; then a reconnect", async () => {
  const { port, peers, srv } = await scriptedServer((p) => {
    p.socket.write("HTTP/1.1 100 Continue\r\n\r\n");
    if (peers.length === 1) p.socket.pause(); // the first connection never reads again
  });
  const stream = new ManualStream("aac", 32_000);
  const out = new IcecastOutput({
    config: config(port),
    stream,
    ...componentDeps(),
    log: silentLogger(),
    maxQueueSec: 1,
    stallTimeoutMs: 1500,
    backoff: { initialMs: 100 },
  });
  try {
    out.start();
    await until(() => out.status().state === "running", 3000, "running");
    // 50 MB offered as fast as possible: a bounded queue means almost all of it is dropped.
    let pos = 0;
    const t0 = performance.now();
    for (let i = 0; i < 2000; i++, pos += 1024) stream.emitFrame(frame(pos, 25_000));
    assert.ok(performance.now() - t0 < 2000, "feeding must not block");
    const st = out.status();
    assert.ok(st.droppedFrames > 1000, `dropped ${st.droppedFrames}`);
    assert.ok(st.sentBytes < 2000 * 25_000 - 1000 * 25_000);
    // Keep offering frames: after stallTimeoutMs without progress the client reconnects.
    await until(
      async () => {
        stream.emitFrame(frame((pos += 1024), 25_000));
        await sleep(50);
        return peers.length >= 2 && out.status().state === "running";
      },
      5000,
      "reconnect after the stall",
    );
    assert.match(out.status().lastError ?? "", /server stopped reading/);
    assert.equal(out.status().restarts, 1);
    const sent = out.status().sentBytes;
    const dropped = out.status().droppedFrames;
    await feedFor(stream, pos + 1024, 4);
    await until(() => out.status().sentBytes > sent, 2000, "monotonic and counting again (next flush)");
    assert.ok(out.status().droppedFrames >= dropped);
  } finally {
    await out.close();
    srv.close();
  }
});

void test("refusals on a fake clock: reason in lastError, restarts counted, reconnects 1 s doubling to 30 s", async () => {
  const answers = [
    "HTTP/1.0 401 Authentication Required\r\nContent-Type: text/plain\r\n\r\nYou need to authenticate\r\n",
    "HTTP/1.0 403 Forbidden\r\nConnection: Close\r\n\r\nMountpoint in use",
    "HTTP/1.1 409 Conflict\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.0 403 Forbidden\r\n\r\nContent-type not supported",
  ];
  const clock = new FakeClock();
  let attempts = 0;
  const { port, srv } = await scriptedServer((p) => {
    const a = answers[attempts++];
    if (a) p.socket.end(a);
    else p.socket.write("HTTP/1.1 100 Continue\r\n\r\n");
  });
  const errors: string[] = [];
  const out = new IcecastOutput({
    config: config(port),
    stream: new ManualStream(),
    clock,
    errors: testErrors(silentLogger(), clock),
    log: silentLogger(),
  });
  out.on("state", (e) => {
    if (e.state === "backoff") errors.push(out.status().lastError ?? "");
  });
  /** Real sockets answer in real time; the reconnect delays run on the fake clock only. */
  const settle = (what: string, cond: () => boolean) => until(cond, 3000, what);
  try {
    out.start();
    for (const [i, delayMs] of [1000, 2000, 4000, 8000].entries()) {
      await settle(`refusal ${i + 1}`, () => errors.length === i + 1 && out.status().state === "backoff");
      await clock.advanceAsync(delayMs - 1, 50);
      assert.equal(attempts, i + 1, `no reconnect before the ${delayMs} ms backoff`);
      await clock.advanceAsync(1);
      await settle(`attempt ${i + 2}`, () => attempts === i + 2);
    }
    await settle("running after 4 refusals", () => out.status().state === "running");
    assert.equal(out.status().restarts, 4);
    assert.match(errors[0]!, /^401 bad credentials/);
    assert.match(errors[1]!, /^403 mount in use/);
    assert.match(errors[2]!, /^409 mount in use/);
    assert.match(errors[3]!, /^403 mount rejected \(Content-type not supported\)/);
  } finally {
    await out.close();
    srv.close();
  }
});

void test("no server at all: backoff, no throw; close() during backoff stops cleanly (fake clock)", async () => {
  const { port, srv } = await scriptedServer(() => {});
  await new Promise<void>((r) => srv.close(() => r()));
  const clock = new FakeClock();
  const stream = new ManualStream();
  const out = new IcecastOutput({
    config: config(port),
    stream,
    clock,
    errors: testErrors(silentLogger(), clock),
    log: silentLogger(),
  });
  out.start();
  await until(() => out.status().restarts === 1, 3000, "a refused attempt");
  await clock.advanceAsync(1000);
  await until(() => out.status().restarts === 2, 3000, "a second refused attempt");
  assert.match(out.status().lastError ?? "", /connection refused/);
  assert.equal(out.status().state, "backoff");
  await feedFor(stream, 0, 5);
  assert.equal(out.status().sentBytes, 0);
  await out.close();
  await clock.advanceAsync(60_000, 1000);
  assert.equal(out.status().restarts, 2, "no attempt after close");
  assert.equal(out.status().state, "stopped");
  assert.equal(clock.pendingTimers, 0, "close() left no timer behind");
});

void test("a server that accepts TCP but never answers times out the handshake", async () => {
  const srv = createServer((s) => s.on("error", () => {}));
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const a = srv.address();
  const port = typeof a === "object" && a ? a.port : 0;
  const out = new IcecastOutput({
    config: config(port),
    stream: new ManualStream(),
    ...componentDeps(),
    log: silentLogger(),
    handshakeTimeoutMs: 200,
    backoff: { initialMs: 5000 },
  });
  try {
    out.start();
    await until(() => out.status().restarts === 1, 2000, "timeout");
    assert.match(out.status().lastError ?? "", /no answer from the server within 200 ms/);
    assert.equal(out.status().state, "backoff");
  } finally {
    await out.close();
    srv.close();
  }
});
