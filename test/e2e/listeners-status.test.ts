/**
 * The daemon relays its channel's listener count from the listeners service named by
 * `api.listenersUrl` (the status page shows it); without the key the route says so (404) and
 * the page keeps the count hidden; an unreachable service is a 502, never a crash.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Daemon } from "../../src/daemon.js";
import { startListeners, type ListenersService } from "../../src/listeners/index.js";
import { silentLogger } from "../../src/log.js";
import { startTestDaemon, tempDir } from "../helpers/channel.js";
import { config, logLine, post } from "../helpers/listeners.js";
import { freeTcpPort } from "../helpers/ports.js";

const yaml = (listenersUrl: string | null) => (port: number) => `
channel: fip
inputs:
  - id: tone
    tone: { frequencyHz: 1000 }
switcher: { statePath: ./state.json }
profiles:
  lofi: { codec: aac, bitrate: 32k }
outputs: {}
api: { listen: "127.0.0.1:${port}", listenersUrl: ${listenersUrl ? `"${listenersUrl}"` : "null"} }
`;

describe("listener count on the daemon's API and status page", { timeout: 60_000 }, () => {
  let svc: ListenersService;
  const daemons: Daemon[] = [];

  before(async () => {
    svc = await startListeners(config({ syslog: null }), silentLogger());
  });
  after(async () => {
    for (const d of daemons) await d.close();
    await svc.close();
  });

  test("configured: the channel's counts from the service", async () => {
    const d = await startTestDaemon(yaml(svc.httpUrl), tempDir());
    daemons.push(d);
    const now = Date.now();
    const lines = [1, 2, 3].map((i) => logLine(now, `10.0.0.${i}`, "VLC", "/hls/fip/fip_lofi.m3u8"));
    await post(`${svc.httpUrl}/ingest`, lines.join("\n"));
    const r = await fetch(`${d.url}/api/v1/listeners`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { channel: "fip", hls: 3, icecast: 0, total: 3 });
    const page = await (await fetch(`${d.url}/`)).text();
    assert.match(page, /id="listeners"[^>]*hidden/);
    const js = await (await fetch(`${d.url}/static/listeners.js`)).text();
    assert.match(js, /fetch\("\/api\/v1\/listeners"\)/);
  });

  test("not configured: 404 naming the key; unreachable: 502", async () => {
    const plain = await startTestDaemon(yaml(null), tempDir());
    daemons.push(plain);
    const r = await fetch(`${plain.url}/api/v1/listeners`);
    assert.equal(r.status, 404);
    assert.match(((await r.json()) as { message: string }).message, /api\.listenersUrl/);
    const dead = await startTestDaemon(yaml(`http://127.0.0.1:${await freeTcpPort()}`), tempDir());
    daemons.push(dead);
    const r2 = await fetch(`${dead.url}/api/v1/listeners`);
    assert.equal(r2.status, 502);
    assert.equal((await fetch(`${dead.url}/healthz`)).status, 200);
  });
});
