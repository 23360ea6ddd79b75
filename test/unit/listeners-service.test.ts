import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { test } from "node:test";
import { countPeople } from "../../src/listeners/icecast-poller.js";
import { startListeners, type ListenersService } from "../../src/listeners/index.js";
import { FakeClock } from "../../src/clock/fake-clock.js";
import { silentLogger } from "../../src/log.js";
import { config, get, logLine, post, sample } from "../helpers/listeners.js";
import { run, until } from "../helpers/proc.js";

const T0 = 1_764_499_600_000;

async function withService(fn: (s: ListenersService, clock: FakeClock) => Promise<void>): Promise<void> {
  const clock = new FakeClock({ wallMs: T0 });
  const s = await startListeners(config(), silentLogger(), { clock });
  try {
    await fn(s, clock);
  } finally {
    await s.close();
  }
}

void test("syslog datagrams and POSTed lines count unique listeners per channel, per window", async () => {
  await withService(async (s, clock) => {
    const udp = createSocket("udp4");
    const send = (msg: string) =>
      new Promise<void>((r, j) => udp.send(msg, s.syslogPort!, "127.0.0.1", (e) => (e ? j(e) : r())));
    for (let i = 1; i <= 3; i++) {
      await send(
        `<190>Nov 30 10:46:40 cache-1 antenne: ${logLine(T0, `10.0.0.${i}`, "VLC", "/hls/fip/fip_midfi.m3u8")}`,
      );
    }
    await send("not syslog at all");
    udp.close();
    const lines = [
      logLine(T0, "10.0.0.1", "VLC", "/hls/fip/fip_aac_midfi_4_1_2.ts"), // same client as over syslog
      logLine(T0, "10.0.0.9", "Safari", "/hls/jazz/jazz_lofi.m3u8"),
      logLine(T0, "10.0.0.9", "Safari", "/hls/jazz/jazz.m3u8"), // master: ignored
      logLine(T0, "10.0.0.9", "Safari", "/hls/rock/rock_lofi.m3u8"), // unknown channel
      logLine(T0 - 60_000, "10.0.0.8", "Old", "/hls/fip/fip_lofi.m3u8"), // late
      "{broken",
    ];
    const r = await post(`${s.httpUrl}/ingest`, lines.join("\n"));
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { lines: 6, counted: 2, invalid: 1 });
    const metrics = await until(
      async () => {
        const m = (await get(`${s.httpUrl}/metrics`)).body;
        return sample(m, 'antenne_listeners_log_lines_total{source="syslog",result="counted"}') === 3
          ? m
          : null;
      },
      3000,
      "the syslog datagrams",
    );
    assert.equal(sample(metrics, 'antenne_listeners{channel="fip",delivery="hls"}'), 3);
    assert.equal(sample(metrics, 'antenne_listeners{channel="fip",delivery="icecast"}'), 0);
    assert.equal(sample(metrics, 'antenne_listeners{channel="jazz",delivery="hls"}'), 1);
    assert.equal(sample(metrics, 'antenne_channel_listeners{channel="fip"}'), 3);
    assert.equal(sample(metrics, 'antenne_listeners_log_lines_total{source="syslog",result="invalid"}'), 1);
    for (const [result, n] of [
      ["counted", 2],
      ["ignored", 1],
      ["unknown_channel", 1],
      ["late", 1],
      ["invalid", 1],
    ] as const) {
      assert.equal(
        sample(metrics, `antenne_listeners_log_lines_total{source="http",result="${result}"}`),
        n,
        result,
      );
    }
    assert.equal(sample(metrics, "antenne_listeners_tracked_clients"), 4);
    const api = JSON.parse((await get(`${s.httpUrl}/api/v1/listeners/fip`)).body) as Record<string, unknown>;
    assert.deepEqual(api, { channel: "fip", hls: 3, icecast: 0, total: 3 });
    assert.equal((await get(`${s.httpUrl}/api/v1/listeners/rock`)).status, 404);
    // jazz (2 s segments) empties after 4 s, fip (4 s) after 8 s.
    clock.advance(T0 + 4001 - clock.wallMs());
    assert.deepEqual(JSON.parse((await get(`${s.httpUrl}/api/v1/listeners`)).body), {
      channels: [
        { channel: "fip", hls: 3, icecast: 0, total: 3 },
        { channel: "jazz", hls: 0, icecast: 0, total: 0 },
      ],
    });
    clock.advance(T0 + 8001 - clock.wallMs());
    const after = (await get(`${s.httpUrl}/metrics`)).body;
    assert.equal(sample(after, 'antenne_listeners{channel="fip",delivery="hls"}'), 0);
    assert.equal(sample(after, "antenne_listeners_tracked_clients"), 0);
  });
});

void test("the exposition passes promtool check metrics; unknown routes answer 404/405 as JSON", async () => {
  await withService(async (s) => {
    const text = (await get(`${s.httpUrl}/metrics`)).body;
    const r = await run("promtool", ["check", "metrics"], { timeoutMs: 20_000, input: text });
    assert.equal(r.code, 0, r.stdout.toString() + r.stderr);
    const nf = await get(`${s.httpUrl}/nope`);
    assert.equal(nf.status, 404);
    assert.equal((JSON.parse(nf.body) as { statusCode: number }).statusCode, 404);
    assert.equal((await post(`${s.httpUrl}/metrics`, "")).status, 405);
  });
});

void test("countPeople: relays (user agent Icecast x.y) are not listeners", () => {
  // /admin/listclients of icecast2 2.4.4 with two players and one relay pulling the mount.
  const xml =
    '<?xml version="1.0"?><icestats><source mount="/t.mp3"><Listeners>3</Listeners>' +
    "<listener><IP>127.0.0.1</IP><UserAgent>TestUA/1.0</UserAgent><Connected>7</Connected><ID>1</ID></listener>" +
    "<listener><IP>127.0.0.1</IP><UserAgent></UserAgent><Connected>4</Connected><ID>3</ID></listener>" +
    "<listener><IP>127.0.0.1</IP><UserAgent>Icecast 2.4.4</UserAgent><Connected>2</Connected><ID>5</ID></listener>" +
    "</source></icestats>";
  assert.equal(countPeople(xml), 2);
});
