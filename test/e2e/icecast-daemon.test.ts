/**
 * Issue 5 end to end through the running daemon, against a real icecast2 started here on a
 * free loopback port: one encoder process feeds HLS and two Icecast mounts (AAC on the HLS
 * profile, MP3 on its own profile); the server stops and comes back while HLS goes on; a
 * wrong password and a squatted mount are handled; now-playing and metrics reach the server
 * and /metrics.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { pino, type Logger } from "pino";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import { parseIcecastStats, type IcecastMountStats } from "../../src/output/icecast/stats.js";
import { channelConfig, tempDir } from "../helpers/channel.js";
import { listen, toneStrength, zeroCrossingHz } from "../helpers/icecast-feed.js";
import { IcecastServer } from "../helpers/icecast-server.js";
import { parseMedia, type MediaPlaylist } from "../helpers/m3u8.js";
import { freeTcpPort } from "../helpers/ports.js";
import { Background, run, sleep, until } from "../helpers/proc.js";
import { systemClock } from "../../src/clock/clock.js";

const TOKEN = "tok-e2e-icecast";
const SEGMENT_SEC = 2;
const RATE = 48000;

let server: IcecastServer;

before(async () => {
  server = await IcecastServer.start({ password: "pw-e2e-icecast" });
});
after(async () => {
  await server?.dispose();
});

/** pino writing JSON lines into memory, so a test can read what the daemon logged. */
function captureLogger(channel: string): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  let partial = "";
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      partial += chunk.toString("utf8");
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: "debug", base: { channel } }, sink), lines };
}

async function daemon(yaml: (apiPort: number) => string, dir: string, log: Logger): Promise<Daemon> {
  const port = await freeTcpPort();
  return startDaemon(channelConfig(yaml(port), dir), log, systemClock);
}

async function mounts(): Promise<Map<string, IcecastMountStats>> {
  try {
    return parseIcecastStats(await server.stats());
  } catch {
    return new Map();
  }
}

interface OutputJson {
  id: string;
  kind: string;
  state: string;
  restarts: number;
  lastError: string | null;
  sentBytes?: number;
  listeners?: number | null;
}
interface StatusJson {
  metadata: { title: string; artist: string } | null;
  outputs: OutputJson[];
}

async function status(d: Daemon): Promise<StatusJson> {
  return (await (await fetch(`${d.url}/api/v1/status`)).json()) as StatusJson;
}
async function output(d: Daemon, id: string): Promise<OutputJson> {
  const o = (await status(d)).outputs.find((x) => x.id === id);
  assert.ok(o, `output ${id} in the status`);
  return o;
}
async function metrics(d: Daemon): Promise<string> {
  return (await fetch(`${d.url}/metrics`)).text();
}
/** The value of `name{output="id",channel="…"}`, or null when absent. */
function metric(text: string, name: string, id: string): number | null {
  const m = new RegExp(
    `^${name}\\{output="${id.replace(/\./g, "\\.")}",channel="[^"]*"\\} (\\S+)$`,
    "m",
  ).exec(text);
  return m ? Number(m[1]) : null;
}

/** PIDs of the ffmpeg processes that are direct children of this (test + in-process daemon) process. */
function ffmpegChildren(): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid && comm === "ffmpeg") out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** HLS segments are consecutive, never marked discontinuous, each ~segmentSec long, PDT contiguous. */
function assertNoGap(pl: MediaPlaylist, fromSeq: number): void {
  const segs = pl.segments.filter((s) => s.seq >= fromSeq);
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    assert.equal(s.discontinuity, false, `no discontinuity at seq ${s.seq}`);
    assert.ok(Math.abs(s.duration - SEGMENT_SEC) < 0.1, `seq ${s.seq} lasts ${s.duration} s`);
    if (i === 0) continue;
    const p = segs[i - 1]!;
    assert.equal(s.seq, p.seq + 1, "no hole in the sequence");
    assert.ok(Math.abs(s.pdtMs! - p.pdtMs! - p.duration * 1000) < 2, `PDT contiguous at seq ${s.seq}`);
  }
}

describe("Icecast outputs of a running daemon", { timeout: 240_000 }, () => {
  const dir = tempDir("antenne-ice-");
  const playlist = join(dir, "hls", "ice_hifi.m3u8");
  const media = (): MediaPlaylist => parseMedia(readFileSync(playlist, "utf8"));
  const lastSeq = () => (existsSync(playlist) ? (media().segments.at(-1)?.seq ?? -1) : -1);
  let d: Daemon;
  let logs: Record<string, unknown>[];
  const yaml = (port: number) => `
channel: ice
audio: { sampleRate: ${RATE}, channels: 2 }
inputs:
  - id: tone
    tone: { frequencyHz: 1000, amplitudeDb: -12 }
switcher: { statePath: ./state.json, silence: { minNoiseSec: 0.2 } }
profiles:
  hifi: { codec: aac, bitrate: 192k }
  mp3: { codec: mp3, bitrate: 128k }
outputs:
  hls: { dir: ./hls, segmentSec: ${SEGMENT_SEC}, windowSegments: 40, profiles: [hifi] }
  icecast:
    - { id: hifi-aac, url: "${server.sourceUrl("ice-hifi.aac")}", profile: hifi,
        homepage: "https://example.org/antenne" }
    - { id: mp3, url: "${server.sourceUrl("ice.mp3")}", profile: mp3,
        name: "Antenne MP3", description: "Tonalité de test", genre: "Tone",
        admin: "${server.adminUrl}" }
api: { listen: "127.0.0.1:${port}", token: "${TOKEN}" }
`;

  before(async () => {
    const c = captureLogger("ice");
    logs = c.lines;
    d = await daemon(yaml, dir, c.log);
  });
  after(async () => {
    await d?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("both mounts in the server's stats with content type, bitrate and headers; ONE encoder process", async () => {
    const stats = await until(
      async () => {
        const m = await mounts();
        return m.has("/ice-hifi.aac") && m.has("/ice.mp3") ? m : null;
      },
      15_000,
      "both mounts in /admin/stats",
    );
    const aac = stats.get("/ice-hifi.aac")!;
    const mp3 = stats.get("/ice.mp3")!;
    assert.equal(aac.contentType, "audio/aac");
    assert.equal(aac.bitrate, 192);
    assert.equal(mp3.contentType, "audio/mpeg");
    assert.equal(mp3.bitrate, 128);
    assert.equal(mp3.fields.server_name, "Antenne MP3");
    assert.equal(mp3.fields.server_description, "Tonalité de test");
    assert.equal(mp3.fields.genre, "Tone");
    assert.equal(mp3.fields.public, "0");
    assert.equal(aac.fields.server_url, "https://example.org/antenne", "homepage sent as ice-url");
    for (const m of [aac, mp3]) {
      assert.match(m.fields.audio_info ?? "", new RegExp(`ice-samplerate=${RATE}`));
      assert.match(m.fields.audio_info ?? "", /ice-channels=2/);
    }
    const json = await server.statusJson();
    assert.equal(json.get("/ice-hifi.aac")?.server_type, "audio/aac");
    assert.equal(json.get("/ice.mp3")?.server_type, "audio/mpeg");

    // hifi feeds HLS and the AAC mount, mp3 feeds its mount: one ffmpeg encodes both, once.
    const encPid = d.channel.encoder.pid;
    assert.ok(encPid !== undefined);
    assert.deepEqual(ffmpegChildren(), [encPid], "the daemon runs exactly one ffmpeg");
    assert.deepEqual(d.channel.encoder.streams.map((s) => s.profile).sort(), ["hifi", "mp3"]);
    assert.equal(d.channel.encoder.pid, encPid);
    assert.equal(d.channel.encoder.pid, encPid);

    const st = await status(d);
    for (const id of ["hifi-aac", "mp3"]) {
      const o = st.outputs.find((x) => x.id === id)!;
      assert.equal(o.kind, "icecast");
      assert.equal(o.state, "running");
      assert.equal(o.restarts, 0);
      assert.equal(o.lastError, null);
    }
    assert.ok(
      logs.some((l) => l.output === "hifi-aac" && l.msg === "icecast source connected"),
      "connection logged with the output id",
    );
  });

  test("ffmpeg listeners decode ~10 s of the 1000 Hz tone from each mount", async () => {
    const [aacPcm, mp3Pcm] = await Promise.all([
      listen(`${server.baseUrl}/ice-hifi.aac`, 10, RATE),
      listen(`${server.baseUrl}/ice.mp3`, 10, RATE),
    ]);
    for (const [name, pcm] of [
      ["aac", aacPcm],
      ["mp3", mp3Pcm],
    ] as const) {
      assert.ok(pcm.length >= 9.5 * RATE, `${name}: decoded ${(pcm.length / RATE).toFixed(2)} s`);
      const mid = pcm.subarray(RATE, pcm.length - RATE / 2);
      const zc = zeroCrossingHz(mid, RATE);
      assert.ok(Math.abs(zc - 1000) < 20, `${name}: zero crossings say ${zc.toFixed(1)} Hz`);
      for (let s = 0; s + RATE <= mid.length; s += 2 * RATE) {
        const win = mid.subarray(s, s + RATE);
        assert.ok(toneStrength(win, RATE, 1000) > 0.8, `${name}: 1000 Hz at ${s / RATE + 1} s`);
        assert.ok(toneStrength(win, RATE, 440) < 0.05, `${name}: no 440 Hz`);
      }
    }
    assert.deepEqual(ffmpegChildren(), [d.channel.encoder.pid], "listeners gone, still one encoder");
  });

  test("POST /api/v1/metadata (token) reaches both mounts in UTF-8 and the status", async () => {
    const body = JSON.stringify({ title: "La Vie en rose", artist: "Édith Piaf" });
    const headers = { "content-type": "application/json" };
    const denied = await fetch(`${d.url}/api/v1/metadata`, { method: "POST", headers, body });
    assert.equal(denied.status, 401);
    const res = await fetch(`${d.url}/api/v1/metadata`, {
      method: "POST",
      headers: { ...headers, authorization: `Bearer ${TOKEN}` },
      body,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as StatusJson).metadata, {
      title: "La Vie en rose",
      artist: "Édith Piaf",
    });
    await until(
      async () => {
        const m = await mounts();
        return ["/ice-hifi.aac", "/ice.mp3"].every((k) => m.get(k)?.title === "Édith Piaf - La Vie en rose");
      },
      5000,
      "the title on both mounts",
    );
    assert.deepEqual((await status(d)).metadata, { title: "La Vie en rose", artist: "Édith Piaf" });
    const json = await server.statusJson();
    assert.equal(json.get("/ice.mp3")?.title, "Édith Piaf - La Vie en rose");
  });

  test("/metrics: output up and sent bytes growing per mount, listeners with admin; promtool passes", async () => {
    const t1 = await metrics(d);
    await sleep(2000);
    const t2 = await metrics(d);
    for (const id of ["hls", "hifi-aac", "mp3"]) {
      assert.equal(metric(t2, "antenne_output_up", id), 1, `${id} up`);
      const [a, b] = [
        metric(t1, "antenne_output_sent_bytes_total", id),
        metric(t2, "antenne_output_sent_bytes_total", id),
      ];
      assert.ok(a !== null && b !== null && b > a && a > 0, `${id} sent bytes ${a} → ${b}`);
      assert.equal(metric(t2, "antenne_output_restarts_total", id), 0, `${id} restarts`);
    }
    // 2 s of 128 kbit/s ≈ 32 kB on the MP3 mount.
    const mp3Delta =
      metric(t2, "antenne_output_sent_bytes_total", "mp3")! -
      metric(t1, "antenne_output_sent_bytes_total", "mp3")!;
    assert.ok(mp3Delta > 20_000 && mp3Delta < 60_000, `mp3 sent ${mp3Delta} bytes in 2 s`);
    assert.equal(
      metric(t2, "antenne_icecast_listeners", "hifi-aac"),
      null,
      "no admin URL: no listener gauge",
    );
    assert.ok(metric(t2, "antenne_icecast_listeners", "mp3") !== null, "listener gauge with admin URL");

    // A listener on the MP3 mount shows in the gauge and the status (polled every 10 s).
    const listener = new Background(
      "ffmpeg",
      [
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-i",
        `${server.baseUrl}/ice.mp3`,
        "-t",
        "40",
        "-f",
        "null",
        "-",
      ],
      45_000,
    );
    try {
      await until(
        async () => metric(await metrics(d), "antenne_icecast_listeners", "mp3") === 1,
        15_000,
        "antenne_icecast_listeners{output=mp3} 1",
        500,
      );
      assert.equal((await output(d, "mp3")).listeners, 1);
      assert.equal((await output(d, "hifi-aac")).listeners, null);
    } finally {
      await listener.stop();
    }
    const r = await run("promtool", ["check", "metrics"], { timeoutMs: 20_000, input: await metrics(d) });
    assert.equal(r.code, 0, r.stderr + r.stdout.toString());
  });

  test("icecast2 stops: HLS goes on without a gap, outputs back off; it restarts: mounts back within 5 s", async (t) => {
    for (const id of ["hifi-aac", "mp3"]) assert.equal((await output(d, id)).restarts, 0, "no earlier drop");
    const seqBefore = lastSeq();
    assert.ok(seqBefore >= 0, "HLS running");
    const readyz: number[] = [];
    const probe = setInterval(() => {
      void fetch(`${d.url}/readyz`).then(
        (r) => readyz.push(r.status),
        () => readyz.push(0),
      );
    }, 500);
    try {
      await server.stop();
      const stoppedAt = Date.now();
      await until(
        async () => {
          const st = await status(d);
          return ["hifi-aac", "mp3"].every((id) => st.outputs.find((o) => o.id === id)?.state === "backoff");
        },
        3000,
        "both outputs in backoff",
      );
      const m = await metrics(d);
      assert.equal(metric(m, "antenne_output_up", "hifi-aac"), 0);
      assert.equal(metric(m, "antenne_output_up", "mp3"), 0);
      assert.equal(metric(m, "antenne_output_up", "hls"), 1);
      const early = await output(d, "mp3");

      // Backoff 1 s, 2 s, 4 s after the drop: attempts at ~1 s, ~3 s, ~7 s. Back up at ~3.3 s,
      // the ~7 s attempt falls within 5 s of the server being up.
      await sleep(Math.max(0, 3300 - (Date.now() - stoppedAt)));
      const down = await status(d);
      for (const id of ["hifi-aac", "mp3"]) {
        const o = down.outputs.find((x) => x.id === id)!;
        // "connecting" for the instant of a retry (refused at once).
        assert.ok(["backoff", "connecting"].includes(o.state), `${id} ${o.state}`);
        assert.ok(o.restarts >= 2, `${id} restarts ${o.restarts}`);
        assert.ok(o.lastError, `${id} has a last error`);
      }
      assert.ok(down.outputs.find((x) => x.id === "mp3")!.restarts > early.restarts, "restarts increase");
      const dm = await metrics(d);
      assert.ok(metric(dm, "antenne_output_restarts_total", "mp3")! >= 2);
      assert.ok(
        logs.some((l) => l.output === "mp3" && /connection refused/.test(String(l.reason))),
        "refused connection logged",
      );

      const startAt = Date.now();
      await server.restart();
      const upAt = Date.now();
      await until(
        async () => {
          const mm = await mounts();
          const st = await status(d);
          return (
            mm.has("/ice-hifi.aac") && mm.has("/ice.mp3") && st.outputs.every((o) => o.state === "running")
          );
        },
        8000,
        "mounts back",
        100,
      );
      const backMs = Date.now() - upAt;
      t.diagnostic(`mounts back ${backMs} ms after the server was up (outage ${upAt - stoppedAt} ms)`);
      assert.ok(
        backMs <= 5000,
        `mounts back ${backMs} ms after the server was up (start took ${upAt - startAt} ms, outage ${upAt - stoppedAt} ms)`,
      );
      // Now-playing is sent again to the new server instance.
      await until(
        async () => (await mounts()).get("/ice.mp3")?.title === "Édith Piaf - La Vie en rose",
        5000,
        "title restored",
      );
      // Two more segments after the mounts are back, then the whole span must be seamless.
      const seqBack = lastSeq();
      await until(() => lastSeq() >= seqBack + 2, 10_000, "HLS segments after the outage");
    } finally {
      clearInterval(probe);
    }
    const pl = media();
    assertNoGap(pl, seqBefore);
    assert.ok(
      pl.segments.filter((s) => s.seq > seqBefore).length >= 4,
      "segments produced during the outage",
    );
    assert.ok(
      readyz.length >= 8 && readyz.every((c) => c === 200),
      `readyz during the outage: ${readyz.join(",")}`,
    );
    const sent = (await output(d, "hifi-aac")).sentBytes!;
    await sleep(1500);
    assert.ok((await output(d, "hifi-aac")).sentBytes! > sent, "streaming again");
  });
});

describe("A wrong password and a squatted mount", { timeout: 180_000 }, () => {
  const dir = tempDir("antenne-ice-bad-");
  const playlist = join(dir, "hls", "icebad_hifi.m3u8");
  let d: Daemon;
  let logs: Record<string, unknown>[];
  let squatter: Background;
  const yaml = (port: number) => `
channel: icebad
audio: { sampleRate: ${RATE}, channels: 2 }
inputs:
  - id: tone
    tone: { frequencyHz: 1000, amplitudeDb: -12 }
switcher: { silence: { minNoiseSec: 0.2 } }
profiles:
  hifi: { codec: aac, bitrate: 192k }
outputs:
  hls: { dir: ./hls, segmentSec: ${SEGMENT_SEC}, windowSegments: 40, profiles: [hifi] }
  icecast:
    - { id: badpass, url: "${server.sourceUrl("bad.aac", "not-the-password")}", profile: hifi }
    - { id: squat, url: "${server.sourceUrl("squat.aac")}", profile: hifi }
api: { listen: "127.0.0.1:${port}" }
`;

  before(async () => {
    // Someone else holds /squat.aac first (a 440 Hz ffmpeg source).
    squatter = new Background(
      "ffmpeg",
      [
        ...["-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi"],
        ...["-i", `sine=f=440:r=${RATE}`, "-ac", "2", "-c:a", "aac", "-b:a", "64k"],
        ...["-f", "adts", "-content_type", "audio/aac"],
        `icecast://source:${server.password}@127.0.0.1:${server.port}/squat.aac`,
      ],
      120_000,
    );
    await until(async () => (await mounts()).has("/squat.aac"), 10_000, "squatter on /squat.aac");
    const c = captureLogger("icebad");
    logs = c.lines;
    d = await daemon(yaml, dir, c.log);
  });
  after(async () => {
    await squatter?.stop();
    await d?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("wrong password: 401 logged and counted, retried, no crash, HLS unaffected", async () => {
    await until(async () => (await output(d, "badpass")).restarts >= 2, 8000, "two refused attempts");
    const o = await output(d, "badpass");
    assert.match(o.lastError ?? "", /^401 bad credentials/);
    assert.ok(["backoff", "connecting", "connected"].includes(o.state), o.state);
    assert.equal(o.sentBytes, 0);
    const logged = logs.filter(
      (l) => l.output === "badpass" && /^401 bad credentials/.test(String(l.reason)),
    );
    assert.ok(logged.length >= 2, `401 logged per attempt (${logged.length})`);
    assert.equal(logged[0]!.level, 50, "logged as an error (a configuration problem)");
    assert.equal(logged[0]!.code, "ANTENNE_ICECAST_REFUSED");
    assert.equal(logged[0]!.msg, "Icecast refused the source");
    const m = await metrics(d);
    assert.equal(metric(m, "antenne_output_up", "badpass"), 0);
    assert.ok(metric(m, "antenne_output_restarts_total", "badpass")! >= 2);
    assert.equal((await mounts()).has("/bad.aac"), false);
    // The daemon and its HLS go on.
    assert.equal((await fetch(`${d.url}/healthz`)).status, 200);
    await until(
      () => existsSync(playlist) && parseMedia(readFileSync(playlist, "utf8")).segments.length >= 3,
      15_000,
      "3 HLS segments",
    );
    assertNoGap(parseMedia(readFileSync(playlist, "utf8")), 0);
    assert.equal((await fetch(`${d.url}/readyz`)).status, 200);
  });

  test("a squatted mount: 'mount in use' logged and counted; the daemon takes the mount once the squatter leaves", async (t) => {
    await until(async () => (await output(d, "squat")).restarts >= 1, 8000, "refused attempt");
    const o = await output(d, "squat");
    assert.match(o.lastError ?? "", /mount in use/);
    assert.ok(
      logs.some((l) => l.output === "squat" && /mount in use/.test(String(l.reason))),
      "'mount in use' logged",
    );
    assert.ok((await mounts()).has("/squat.aac"), "the squatter keeps the mount");
    assert.notEqual((await mounts()).get("/squat.aac")?.bitrate, 192, "not our stream");
    await squatter.stop();
    const leftAt = Date.now();
    await until(
      async () => (await output(d, "squat")).state === "running",
      // The next retry of a backoff that may have reached its 30 s ceiling.
      35_000,
      "daemon's source accepted",
    );
    const mount = await until(
      async () => {
        const m = (await mounts()).get("/squat.aac");
        return m?.bitrate === 192 ? m : null;
      },
      5000,
      "our stream on /squat.aac",
    );
    assert.equal(mount.contentType, "audio/aac");
    const pcm = await listen(`${server.baseUrl}/squat.aac`, 3, RATE);
    const win = pcm.subarray(RATE, 2 * RATE);
    assert.ok(toneStrength(win, RATE, 1000) > 0.8, "the daemon's 1000 Hz tone, not the squatter's 440 Hz");
    const taken = await output(d, "squat");
    assert.ok(taken.restarts >= 1 && taken.sentBytes! > 0);
    t.diagnostic(`squatted mount taken ${Date.now() - leftAt} ms after the squatter left (backoff)`);
    // Still retrying the bad one, no crash.
    assert.match((await output(d, "badpass")).lastError ?? "", /^401/);
  });
});
