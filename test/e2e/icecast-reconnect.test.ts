/**
 * Failure handling against a real icecast2: the server stops and comes back, a wrong
 * password, a second source on a busy mount. The client never throws and never blocks the feed.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { IcecastConfig } from "../../src/config/load.js";
import { silentLogger } from "../../src/log.js";
import { IcecastOutput } from "../../src/output/icecast/source-client.js";
import { parseIcecastStats } from "../../src/output/icecast/stats.js";
import { FfmpegFeed } from "../helpers/icecast-feed.js";
import { IcecastServer } from "../helpers/icecast-server.js";
import { componentDeps } from "../helpers/deps.js";
import { sleep, until } from "../helpers/proc.js";

let server: IcecastServer;
let feed: FfmpegFeed;
const outputs: IcecastOutput[] = [];

function output(mount: string, over: Partial<IcecastConfig> = {}): IcecastOutput {
  const out = new IcecastOutput({
    config: {
      id: mount,
      url: server.sourceUrl(mount),
      mount: `/${mount}`,
      profile: "p",
      public: false,
      admin: null,
      method: "PUT",
      ...over,
    },
    stream: feed,
    ...componentDeps(),
    log: silentLogger(),
  });
  outputs.push(out);
  return out;
}

async function mounts(): Promise<Map<string, unknown>> {
  try {
    return parseIcecastStats(await server.stats());
  } catch {
    return new Map();
  }
}

before(async () => {
  server = await IcecastServer.start();
  feed = new FfmpegFeed({ codec: "aac", frequencyHz: 1000, maxMs: 180_000 });
  feed.start();
});

after(async () => {
  await Promise.all(outputs.map((o) => o.close()));
  await feed?.stop();
  await server?.dispose();
});

void test("server stopped: backoff without throwing, the feed keeps flowing; server back: mount back within 5 s", async () => {
  const out = output("restart.aac");
  const states: string[] = [];
  out.on("state", (e) => states.push(e.state));
  out.start();
  await until(async () => (await mounts()).has("/restart.aac"), 10_000, "mount up");
  assert.equal(await out.updateMetadata({ artist: "Édith Piaf", title: "Padam" }), true);
  await sleep(1000);

  await server.stop();
  await until(() => out.status().state === "backoff", 5000, "backoff");
  const framesAtStop = feed.frames;
  const sentAtStop = out.status().sentBytes;
  // ~3 s down: the client retries (1 s, 2 s …) and every frame is still accepted in real time.
  const t0 = Date.now();
  await sleep(3000);
  const framesWhileDown = feed.frames - framesAtStop;
  const expected = ((Date.now() - t0) / 1000) * (44100 / 1024);
  assert.ok(
    framesWhileDown > expected * 0.8,
    `feed delivered ${framesWhileDown} frames, expected ~${expected}`,
  );
  const down = out.status();
  assert.ok(down.restarts >= 2, `restarts ${down.restarts}`);
  assert.ok(down.lastError, "a reason is recorded");
  assert.equal(down.sentBytes, sentAtStop, "nothing is sent while the server is down");

  await server.restart();
  const upAt = Date.now();
  await until(async () => (await mounts()).has("/restart.aac"), 5000, "mount back");
  const backMs = Date.now() - upAt;
  assert.ok(backMs <= 5000, `mount back after ${backMs} ms`);
  await until(() => out.status().state === "running", 2000, "running");
  assert.ok(states.includes("backoff") && states.at(-1) === "running", states.join(","));
  // Now-playing is sent again to the new server instance.
  await until(
    async () => {
      const m = parseIcecastStats(await server.stats());
      return m.get("/restart.aac")?.title === "Édith Piaf - Padam";
    },
    5000,
    "title restored",
  );
  const sent = out.status().sentBytes;
  await sleep(1500);
  assert.ok(out.status().sentBytes > sent, "streaming again");
});

void test("wrong password: 401 'bad credentials' recorded and counted, no crash, keeps retrying", async () => {
  const bad = output("badpass.aac", {
    url: server.sourceUrl("badpass.aac", "wrong-password"),
  });
  bad.start();
  await until(() => bad.status().restarts >= 1, 5000, "401 recorded");
  const st = bad.status();
  assert.match(st.lastError ?? "", /^401 bad credentials/);
  assert.equal(st.state, "backoff");
  assert.equal(st.sentBytes, 0);
  await until(() => bad.status().restarts >= 2, 5000, "a retry");
  assert.equal((await mounts()).has("/badpass.aac"), false);
  await bad.close();
  assert.equal(bad.status().state, "stopped");
});

void test("a second source on a busy mount: 'mount in use', the first one keeps the mount", async () => {
  const first = output("busy.aac");
  first.start();
  await until(() => first.status().state === "running", 10_000, "first running");
  const second = output("busy.aac", { id: "busy-2" });
  second.start();
  await until(() => second.status().restarts >= 1, 5000, "second refused");
  assert.match(second.status().lastError ?? "", /mount in use/);
  assert.equal(second.status().state, "backoff");
  assert.equal(first.status().state, "running");
  assert.equal(first.status().restarts, 0);
  // When the first source leaves, the second takes the mount on its next attempt.
  await first.close();
  await until(() => second.status().state === "running", 10_000, "second takes over");
  await until(async () => (await mounts()).has("/busy.aac"), 5000, "mount served");
});
