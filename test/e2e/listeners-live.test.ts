/**
 * Live listeners with real components: a daemon's HLS served by a real nginx whose access log
 * goes to the listeners service as JSON over syslog (nginx's own `access_log syslog:`), 25
 * simulated players on distinct 127.0.0.x addresses and user agents, and a real icecast2 relay
 * (pulling the daemon's mount from a real icecast2 master) with 5 listeners.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync } from "node:fs";
import { get, type ClientRequest } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Daemon } from "../../src/daemon.js";
import { startListeners, type ListenersService } from "../../src/listeners/index.js";
import { silentLogger } from "../../src/log.js";
import { startTestDaemon, tempDir } from "../helpers/channel.js";
import { IcecastServer } from "../helpers/icecast-server.js";
import { sample } from "../helpers/listeners.js";
import { Nginx } from "../helpers/nginx.js";
import { freeUdpPort } from "../helpers/ports.js";
import { sleep, until } from "../helpers/proc.js";

const CH = "lis";
const SEG = 2;
const WINDOW_MS = 2 * SEG * 1000;

const channelYaml = (dir: string, master: IcecastServer) => (apiPort: number) => `
channel: ${CH}
audio: { sampleRate: 48000, channels: 2 }
inputs:
  - id: tone
    tone: { frequencyHz: 1000 }
switcher: { statePath: ./state.json }
profiles:
  lofi: { codec: aac, bitrate: 32k }
outputs:
  hls: { dir: ${join(dir, "hls")}, segmentSec: ${SEG}, windowSegments: 6, profiles: [lofi] }
  icecast:
    - { id: lofi-aac, url: "${master.sourceUrl(`${CH}.aac`)}", profile: lofi }
api: { listen: "127.0.0.1:${apiPort}" }
`;

/** GET over a given local address; resolves the body (bounded by a timeout). */
function fetchFrom(localAddress: string, ua: string, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { localAddress, headers: { "user-agent": ua }, timeout: 3000 }, (res) => {
      let body = "";
      res.setEncoding("latin1");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

/** A player: reloads the media playlist every target duration and fetches each new segment. */
class Player {
  lastRequestAt = 0;
  requests = 0;
  private stopped = false;
  private readonly seen = new Set<string>();
  private loop: Promise<void> | null = null;

  constructor(
    private readonly addr: string,
    private readonly ua: string,
    private readonly base: string,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const pl = await fetchFrom(this.addr, this.ua, `${this.base}/hls/${CH}_lofi.m3u8`).catch(() => null);
      this.mark();
      const segs = (pl?.body ?? "").split("\n").filter((l) => l.endsWith(".ts"));
      for (const s of segs.slice(-2)) {
        if (this.stopped || this.seen.has(s)) continue;
        this.seen.add(s);
        await fetchFrom(this.addr, this.ua, `${this.base}/hls/${s}`).catch(() => null);
        this.mark();
      }
      await sleep(SEG * 1000);
    }
  }

  private mark(): void {
    this.requests++;
    this.lastRequestAt = performance.now();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

describe("live listeners: nginx syslog JSON + Icecast master and relay", { timeout: 180_000 }, () => {
  const dir = tempDir("antenne-lis-");
  let master: IcecastServer;
  let relay: IcecastServer;
  let daemon: Daemon;
  let nginx: Nginx;
  let svc: ListenersService;
  const players: Player[] = [];
  const iceListeners: ClientRequest[] = [];

  const metrics = async () => (await fetch(`${svc.httpUrl}/metrics`)).text();
  const count = async (delivery: string) =>
    sample(await metrics(), `antenne_listeners{channel="${CH}",delivery="${delivery}"}`);

  before(async () => {
    master = await IcecastServer.start();
    relay = await IcecastServer.start({
      extraXml: `<relay><server>127.0.0.1</server><port>${master.port}</port><mount>/${CH}.aac</mount>
        <local-mount>/${CH}.aac</local-mount><on-demand>0</on-demand></relay>`,
    });
    chmodSync(dir, 0o755); // nginx's worker runs as nobody under root
    daemon = await startTestDaemon(channelYaml(dir, master), dir);
    const syslogPort = await freeUdpPort();
    svc = await startListeners(
      {
        syslog: { host: "127.0.0.1", port: syslogPort },
        http: { host: "127.0.0.1", port: 0 },
        channels: [{ channel: CH, segmentSec: SEG }],
        icecast: [master, relay].map((s, i) => ({
          name: i === 0 ? "master" : "relay",
          url: s.baseUrl,
          adminUser: "admin",
          adminPassword: s.password,
          mounts: [{ mount: `/${CH}.aac`, channel: CH }],
        })),
        icecastPollMs: 500,
      },
      silentLogger(),
    );
    nginx = await Nginx.start({
      http:
        "log_format antenne_json escape=json " +
        `'{"ts":"$msec","addr":"$remote_addr","ua":"$http_user_agent","uri":"$uri","status":"$status","bytes":"$body_bytes_sent"}';`,
      server: `location /hls/ {
        alias ${join(dir, "hls")}/;
        access_log syslog:server=127.0.0.1:${syslogPort},tag=antenne antenne_json;
        types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
      }`,
    });
    // Watched on disk: a fetch through nginx would be a listener.
    await until(() => existsSync(join(dir, "hls", `${CH}_lofi.m3u8`)), 15_000, "the first playlist");
  });

  after(async () => {
    for (const p of players) await p.stop();
    for (const r of iceListeners) r.destroy();
    await svc?.close();
    await nginx?.dispose();
    await daemon?.close();
    await relay?.dispose();
    await master?.dispose();
  });

  test(`25 HLS players are 25 listeners within 2 × segmentSec`, async () => {
    assert.equal(await count("hls"), 0);
    const t0 = performance.now();
    for (let i = 0; i < 25; i++) {
      const p = new Player(`127.0.0.${i + 2}`, `TestPlayer/${i} (antenne e2e)`, nginx.url);
      players.push(p);
      p.start();
    }
    await until(async () => (await count("hls")) === 25, WINDOW_MS, "25 HLS listeners", 100);
    const took = performance.now() - t0;
    // Held while they play: never more, never fewer (their requests are within the window).
    for (let k = 0; k < 6; k++) {
      await sleep(500);
      assert.equal(await count("hls"), 25);
    }
    const m = await metrics();
    assert.ok((sample(m, 'antenne_listeners_log_lines_total{source="syslog",result="counted"}') ?? 0) >= 50);
    assert.equal(sample(m, 'antenne_listeners_log_lines_total{source="syslog",result="invalid"}'), 0);
    assert.ok(took <= WINDOW_MS, `${took} ms`);
  });

  test("5 listeners on the Icecast relay: icecast = 5 (the relay's own pull is not a listener), total 30", async () => {
    await until(
      async () => (await relay.statusJson()).has(`/${CH}.aac`),
      20_000,
      "the relay to pull the mount",
    );
    for (let i = 0; i < 5; i++) {
      const req = get(
        `${relay.baseUrl}/${CH}.aac`,
        { headers: { "user-agent": `IceListener/${i}` } },
        (res) => res.resume(),
      );
      req.on("error", () => undefined);
      iceListeners.push(req);
    }
    await until(async () => (await count("icecast")) === 5, 10_000, "5 Icecast listeners", 200);
    const m = await metrics();
    assert.equal(sample(m, `antenne_channel_listeners{channel="${CH}"}`), 30);
    assert.equal(sample(m, `antenne_listeners{channel="${CH}",delivery="hls"}`), 25);
    assert.equal(sample(m, 'antenne_listeners_icecast_up{server="relay"}'), 1);
    const api = (await (await fetch(`${svc.httpUrl}/api/v1/listeners/${CH}`)).json()) as Record<
      string,
      unknown
    >;
    assert.deepEqual(api, { channel: CH, hls: 25, icecast: 5, total: 30 });
  });

  test("players stop: HLS back to 0 once the window has passed, not before", async () => {
    await Promise.all(players.map((p) => p.stop()));
    const last = Math.max(...players.map((p) => p.lastRequestAt));
    await until(async () => (await count("hls")) === 0, WINDOW_MS + 3000, "HLS listeners to leave", 50);
    const gone = performance.now() - last;
    assert.ok(gone >= WINDOW_MS - 500, `dropped ${gone} ms after the last request: before the window`);
    assert.equal(sample(await metrics(), `antenne_channel_listeners{channel="${CH}"}`), 5);
  });
});
