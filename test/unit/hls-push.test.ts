import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { rmSync } from "node:fs";
import { systemClock } from "../../src/clock/clock.js";
import { FakeClock } from "../../src/clock/fake-clock.js";
import { silentLogger } from "../../src/log.js";
import { boundary, gridOf, pdtMsOf } from "../../src/output/hls/epoch-grid.js";
import { HlsOutput } from "../../src/output/hls/hls-output.js";
import { OriginStore, type OriginRequest } from "../../src/output/hls/origin-store.js";
import { PushQueue } from "../../src/output/hls/push-queue.js";
import { testErrors } from "../helpers/deps.js";
import { encodeSine, FeedStream, tempDir, timelineAt } from "./hls-fixtures.js";

interface Received {
  method: string;
  url: string;
  type: string;
  body: Buffer;
}

/** A real HTTP server on 127.0.0.1; `reply` decides each response (or null: never answer). */
async function server(reply: (n: number, r: Received) => number | null) {
  const got: Received[] = [];
  const hanging: http.ServerResponse[] = [];
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = {
        method: req.method ?? "",
        url: req.url ?? "",
        type: req.headers["content-type"] ?? "",
        body: Buffer.concat(chunks),
      };
      got.push(r);
      const code = reply(got.length, r);
      if (code === null) hanging.push(res);
      else res.writeHead(code).end();
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  return {
    got,
    url: `http://127.0.0.1:${port}/up/`,
    close: async () => {
      for (const h of hanging) h.destroy();
      srv.closeAllConnections();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

const fast = { backoffInitialMs: 10, backoffMaxMs: 40, log: silentLogger(), clock: systemClock };
const healthy = { degraded: false };

test("retries 5xx with backoff, counts every response code, keeps segment-then-playlist order", async () => {
  const s = await server((n) => (n <= 2 ? 503 : 201));
  const p = new OriginStore({ url: s.url, method: "PUT", ...fast });
  await p.putSegment("a.ts", Buffer.from("seg"), { k: 1, ...healthy });
  await p.putPlaylist("a.m3u8", "#EXTM3U\n", healthy);
  await p.idle();
  assert.deepEqual(p.stats(), { queued: 0, sent: 2, dropped: 0, failed: 0, codes: { "503": 2, "201": 2 } });
  assert.deepEqual(
    s.got.map((r) => [r.method, r.url, r.type, r.body.toString()]),
    [
      ["PUT", "/up/a.ts", "video/mp2t", "seg"],
      ["PUT", "/up/a.ts", "video/mp2t", "seg"],
      ["PUT", "/up/a.ts", "video/mp2t", "seg"],
      ["PUT", "/up/a.m3u8", "application/vnd.apple.mpegurl", "#EXTM3U\n"],
    ],
  );
  await p.close();
  await s.close();
});

test("gives up on a 4xx at once and on an unreachable origin after maxAttempts, reporting it", async () => {
  const s = await server(() => 404);
  const reports: string[] = [];
  const report = (code: string) => reports.push(code);
  const p = new OriginStore({ url: s.url, method: "POST", ...fast, report });
  await p.putSegment("x.ts", Buffer.from("x"), { k: 1, ...healthy });
  await p.idle();
  assert.deepEqual(p.stats().codes, { "404": 1 });
  assert.equal(p.stats().failed, 1);
  assert.equal(s.got[0]?.method, "POST");
  await p.close();
  await s.close();

  const dead = new OriginStore({ url: s.url, method: "PUT", maxAttempts: 3, ...fast, report }); // closed port
  await dead.putSegment("y.ts", Buffer.from("y"), { k: 2, ...healthy });
  await dead.idle();
  assert.deepEqual(dead.stats().codes, { error: 3 });
  assert.equal(dead.stats().failed, 1);
  assert.deepEqual(reports, ["ANTENNE_HLS_PUSH_FAILED", "ANTENNE_HLS_PUSH_FAILED"]);
  await dead.close();
});

test("a stuck origin never grows the queue past its bound; playlists coalesce; close is prompt", async () => {
  const s = await server(() => null);
  const dropped: string[] = [];
  const p = new OriginStore({
    url: s.url,
    method: "PUT",
    maxQueue: 3,
    timeoutMs: 60_000,
    ...fast,
    report: (code) => dropped.push(code),
  });
  await p.putSegment("0.ts", Buffer.from("0"), { k: 0, ...healthy }); // goes in flight and hangs
  await new Promise((r) => systemClock.timeout(() => r(null), 50));
  for (let i = 1; i <= 6; i++) await p.putSegment(`${i}.ts`, Buffer.from(String(i)), { k: i, ...healthy });
  await p.putPlaylist("m.m3u8", "1", healthy);
  await p.putPlaylist("m.m3u8", "2", healthy);
  const st = p.stats();
  assert.equal(st.queued, 3);
  assert.equal(st.dropped, 4, "1..4 dropped, oldest first");
  assert.equal(dropped.length, 4);
  const t0 = process.hrtime.bigint();
  await p.close();
  assert.ok(Number(process.hrtime.bigint() - t0) / 1e6 < 1000, "close does not wait for the origin");
  await s.close();
});

/** A transport the test answers by hand, on a fake clock. */
function scripted(answer: (r: OriginRequest, n: number) => number | "error") {
  const sent: (OriginRequest & { atMs: number })[] = [];
  return {
    sent,
    transport: (clock: FakeClock) => ({
      send: (r: OriginRequest) => {
        sent.push({ ...r, atMs: clock.monoMs() });
        return Promise.resolve(answer(r, sent.length));
      },
      close: () => undefined,
    }),
  };
}

test("backoff doubles on the clock; a playlist superseded while it waits is not sent again", async () => {
  const clock = new FakeClock();
  const t = scripted((r) => (r.name === "m.m3u8" && r.body?.toString() === "old" ? 500 : 201));
  const p = new OriginStore({
    url: "http://origin/",
    method: "PUT",
    clock,
    log: silentLogger(),
    transport: t.transport(clock),
  });
  const t0 = clock.monoMs();
  await p.putPlaylist("m.m3u8", "old", healthy);
  await new Promise((r) => setImmediate(r)); // the first answer is handled at t0
  await clock.advanceAsync(3000, 1); // tries at 0, +1 s, +3 s
  assert.deepEqual(
    t.sent.map((r) => r.atMs - t0),
    [0, 1000, 3000],
  );
  await p.putPlaylist("m.m3u8", "new", healthy); // arrives during the 4 s backoff
  await clock.advanceAsync(5000, 100);
  await p.idle();
  assert.deepEqual(
    t.sent.map((r) => r.body?.toString()),
    ["old", "old", "old", "new"],
    "the old version was abandoned for the new one",
  );
  await p.close();
});

test("a degraded instance waits, asks, and only creates: a healthy peer's segment stays", async () => {
  const clock = new FakeClock();
  const t = scripted((r) =>
    r.method === "HEAD" ? (r.name === "there.ts" ? 200 : 404) : r.name === "raced.ts" ? 412 : 201,
  );
  const p = new OriginStore({
    url: "http://origin/",
    method: "PUT",
    clock,
    log: silentLogger(),
    transport: t.transport(clock),
    degradedDelayMs: 1000,
  });
  const t0 = clock.monoMs();
  for (const name of ["there.ts", "absent.ts", "raced.ts"])
    await p.putSegment(name, Buffer.from("s"), { k: 1, degraded: true });
  await clock.advanceAsync(999, 100);
  assert.equal(t.sent.length, 0, "the peer goes first");
  await clock.advanceAsync(200, 100);
  await p.idle();
  assert.deepEqual(
    t.sent.map((r) => [r.method, r.name, r.headers["if-none-match"] ?? null]),
    [
      ["HEAD", "there.ts", null],
      ["HEAD", "absent.ts", null],
      ["PUT", "absent.ts", "*"],
      ["HEAD", "raced.ts", null],
      ["PUT", "raced.ts", "*"],
    ],
  );
  assert.ok(t.sent.every((r) => r.atMs - t0 >= 1000));
  assert.deepEqual(p.stats(), {
    queued: 0,
    sent: 3,
    dropped: 0,
    failed: 0,
    codes: { "200": 1, "404": 2, "201": 1, "412": 1 },
  });
  await p.close();
});

test("DELETE of a file the peer already deleted is fine", async () => {
  const clock = new FakeClock();
  const t = scripted(() => 404);
  const p = new OriginStore({
    url: "http://origin/",
    method: "PUT",
    clock,
    log: silentLogger(),
    transport: t.transport(clock),
  });
  await p.delete("gone.ts");
  await p.idle();
  assert.deepEqual(p.stats(), { queued: 0, sent: 1, dropped: 0, failed: 0, codes: { "404": 1 } });
  await p.close();
});

test("the queue keeps order, supersedes playlists and drops the oldest beyond its bound", () => {
  const q = new PushQueue(3);
  const item = (kind: "segment" | "playlist", name: string, notBeforeMs = 0) => ({
    kind,
    name,
    data: null,
    degraded: false,
    notBeforeMs,
    attempts: 0,
  });
  assert.deepEqual(q.add(item("segment", "1.ts")), []);
  q.add(item("playlist", "m.m3u8"));
  q.add(item("segment", "2.ts"));
  q.add(item("playlist", "m.m3u8")); // supersedes the first
  assert.equal(q.length, 3);
  assert.deepEqual(
    q.add(item("segment", "3.ts")).map((i) => i.name),
    ["1.ts"],
  );
  assert.equal(q.dropped, 1);
  assert.equal(q.take(0)?.name, "2.ts");
  const waiting = new PushQueue(3);
  waiting.add(item("segment", "late.ts", 500));
  assert.equal(waiting.take(499), null, "not due yet");
  assert.equal(waiting.nextDueMs(), 500);
  assert.equal(waiting.take(500)?.name, "late.ts");
});

test("HlsOutput pushes each segment then the playlists listing it, and deletes what aged out", async () => {
  const dir = tempDir();
  const grid = gridOf(2, 48000, "aac");
  const K = 890_000_000;
  const clock = new FakeClock({ wallMs: pdtMsOf(boundary(grid, K + 2), 48000) });
  const t = scripted(() => 201);
  const stream = new FeedStream("lofi", "aac", 32000, await encodeSine("aac", "32k", 5));
  const out = new HlsOutput({
    channel: "ch",
    config: {
      dir,
      segmentSec: 2,
      windowSegments: 3,
      profiles: ["lofi"],
      push: { url: "http://origin/ch/", method: "PUT" },
      healthAware: false,
    },
    streams: [stream],
    timeline: timelineAt(0),
    health: { degraded: () => null, degradedDuring: () => false },
    log: silentLogger(),
    clock,
    errors: testErrors(silentLogger(), clock),
    pushTuning: { transport: t.transport(clock) },
  });
  const first = boundary(grid, K) / 1024;
  stream.feed(first, first + 94 + 94 + 1); // segments K and K+1
  await out.idle();
  const names = () => t.sent.map((r) => `${r.method} ${r.name.replace(/_\d{10}\.ts$/, ".ts")}`);
  assert.deepEqual(names(), [
    `PUT ch_aac_lofi_2_${K}.ts`,
    "PUT ch_lofi.m3u8",
    "PUT ch.m3u8",
    `PUT ch_aac_lofi_2_${K + 1}.ts`,
    "PUT ch_lofi.m3u8",
    "PUT ch.m3u8",
  ]);
  assert.ok(
    t.sent[4]?.body?.toString().includes(`ch_aac_lofi_2_${K + 1}_`),
    "the pushed playlist lists the new segment",
  );
  // K leaves the window of 3 when K+3 is listed, and the origin deletes it a window (6 s) later.
  stream.feed(first + 189, first + 94 * 5);
  await out.idle();
  clock.advance(6000);
  stream.feed(first + 94 * 5, first + 94 * 6);
  await out.idle();
  assert.ok(names().includes(`DELETE ch_aac_lofi_2_${K}.ts`), names().join("\n"));
  assert.deepEqual(out.status().push?.failed, 0);
  await out.close();
  rmSync(dir, { recursive: true, force: true });
});
