import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { rmSync } from "node:fs";
import { silentLogger } from "../../src/log.js";
import { HlsPusher } from "../../src/output/hls/push.js";
import { HlsOutput } from "../../src/output/hls/hls-output.js";
import { encodeSine, FeedStream, MemoryState, tempDir, timelineAt } from "./hls-fixtures.js";
import { componentDeps, systemClock } from "../helpers/deps.js";

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

test("push retries 5xx with backoff and counts every response code", async () => {
  const s = await server((n) => (n <= 2 ? 503 : 201));
  const p = new HlsPusher({ url: s.url, method: "PUT", ...fast });
  p.push("a.ts", Buffer.from("seg"));
  p.push("a.m3u8", "#EXTM3U\n", true);
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

test("push gives up on a 4xx at once and on an unreachable target after maxAttempts", async () => {
  const s = await server(() => 404);
  const p = new HlsPusher({ url: s.url, method: "POST", ...fast });
  p.push("x.ts", "x");
  await p.idle();
  assert.deepEqual(p.stats().codes, { "404": 1 });
  assert.equal(p.stats().failed, 1);
  assert.equal(s.got[0]?.method, "POST");
  await p.close();
  await s.close();

  const dead = new HlsPusher({ url: s.url, method: "PUT", maxAttempts: 3, ...fast }); // closed port
  dead.push("y.ts", "y");
  await dead.idle();
  assert.deepEqual(dead.stats().codes, { error: 3 });
  assert.equal(dead.stats().failed, 1);
  await dead.close();
});

test("a stuck target never grows the queue past its bound; playlists coalesce; close is prompt", async () => {
  const s = await server(() => null);
  const p = new HlsPusher({ url: s.url, method: "PUT", maxQueue: 3, timeoutMs: 60_000, ...fast });
  p.push("0.ts", "0"); // goes in flight and hangs
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 1; i <= 6; i++) p.push(`${i}.ts`, String(i));
  p.push("m.m3u8", "1", true);
  p.push("m.m3u8", "2", true);
  const st = p.stats();
  assert.equal(st.queued, 3);
  assert.equal(st.dropped, 4, "1..4 dropped, oldest first");
  const t0 = process.hrtime.bigint();
  await p.close();
  assert.ok(Number(process.hrtime.bigint() - t0) / 1e6 < 1000, "close does not wait for the target");
  await s.close();
});

test("HlsOutput pushes each segment, then the playlists that list it", async () => {
  const s = await server(() => 201);
  const dir = tempDir();
  const stream = new FeedStream("lofi", "aac", 32000, await encodeSine("aac", "32k", 5));
  const out = new HlsOutput({
    channel: "ch",
    config: {
      dir,
      segmentSec: 2,
      windowSegments: 5,
      profiles: ["lofi"],
      push: { url: s.url, method: "PUT" },
    },
    streams: [stream],
    timeline: timelineAt(Date.UTC(2024, 0, 1)),
    state: new MemoryState(),
    log: silentLogger(),
    ...componentDeps(),
    pushTuning: { backoffInitialMs: 10 },
  });
  stream.feed(0, 200); // segments 0 and 1
  await out.idle();
  const urls = s.got.map((r) => r.url.replace(/_\d{10}\.ts$/, ".ts"));
  assert.deepEqual(urls, [
    "/up/ch_aac_lofi_2_0.ts",
    "/up/ch_lofi.m3u8",
    "/up/ch.m3u8",
    "/up/ch_aac_lofi_2_1.ts",
    "/up/ch_lofi.m3u8",
  ]);
  assert.ok(
    s.got[4]?.body.toString().includes("ch_aac_lofi_2_1_"),
    "the pushed playlist lists the new segment",
  );
  assert.deepEqual(out.status().push?.codes, { "201": 5 });
  await out.close();
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});
