/**
 * Two transcoders, one stream (issue 11). Two daemons of one channel, separate processes with
 * their own ports and directories, started 7 s apart, fed ONE studio ffmpeg whose MPEG-TS is
 * relayed to each instance's SRT listener; a real nginx caching proxy in front (A primary,
 * B backup), a real nginx WebDAV origin both push to; ffmpeg and hls.js (headless Chromium)
 * as listeners. Every child is bounded in time and stopped by its PID.
 *
 * In order: identical playlists sequence by sequence for 30 s in every variant; the content
 * offset between instances; kill -9 A under the listeners; A restarted rejoins the numbering;
 * the origin keeps advancing without A; A loses its studio (health-aware) and the cache plays
 * B's programme; both lose it and the cache still plays.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { dominant, toneShare } from "../helpers/audio.js";
import { CHROMIUM, HlsJsClient } from "../helpers/hls-browser.js";
import { FfmpegHlsClient } from "../helpers/hls-ffmpeg-client.js";
import { Instance, Relay, Studio } from "../helpers/hls-instances.js";
import { failoverConf, originConf, startNginx, type Nginx } from "../helpers/hls-nginx.js";
import { tempDir } from "../helpers/channel.js";
import { parseMedia, type MediaPlaylist } from "../helpers/m3u8.js";
import { freeTcpPort } from "../helpers/ports.js";
import { run, sleep, until } from "../helpers/proc.js";
import { disturbedWindows } from "../helpers/tone-glitches.js";

const PROFILES = ["lofi", "hifi", "mp3"];
const RATE = 48000;
const STUDIO_HZ = 440;
const SAFETY_HZ = 660;
const LIFETIME = 420_000;
const skipBrowser = existsSync(CHROMIUM) ? false : `${CHROMIUM} not installed`;

const yaml =
  (originPort: number) =>
  ({ apiPort, srtPort }: { apiPort: number; srtPort: number }) => `
channel: epoch
audio: { sampleRate: 48000, channels: 2 }
inputs:
  - id: main
    srt: { mode: listener, bind: "127.0.0.1:${srtPort}" }
  - id: safety
    tone: { frequencyHz: ${SAFETY_HZ} }
profiles:
  lofi: { codec: aac, bitrate: 32k }
  hifi: { codec: aac, bitrate: 128k }
  mp3: { codec: mp3, bitrate: 128k }
outputs:
  hls:
    dir: ./hls
    segmentSec: 2
    windowSegments: 10
    profiles: [lofi, hifi, mp3]
    healthAware: true
    push: { url: "http://127.0.0.1:${originPort}/epoch/", method: PUT }
api: { listen: "127.0.0.1:${apiPort}" }
`;

interface Seen {
  uri: string;
  extinf: number;
  pdtMs: number | null;
  gap: boolean;
  pts: number | null;
}

function readMedia(dir: string, profile: string): MediaPlaylist | null {
  try {
    return parseMedia(readFileSync(join(dir, `epoch_${profile}.m3u8`), "utf8"));
  } catch {
    return null;
  }
}

/** PTS of the first PES in a TS file (audio PID 0x100), or null when it cannot be read. */
function firstPts(file: string): number | null {
  let b: Buffer;
  try {
    b = readFileSync(file);
  } catch {
    return null;
  }
  for (let i = 0; i + 188 <= b.length; i += 188) {
    const pid = ((b[i + 1]! & 0x1f) << 8) | b[i + 2]!;
    if (pid !== 0x100 || !(b[i + 1]! & 0x40)) continue;
    const at = b[i + 3]! & 0x20 ? i + 5 + b[i + 4]! : i + 4;
    const p = b.subarray(at + 9, at + 14);
    return (
      ((p[0]! >> 1) & 7) * 2 ** 30 + ((p[1]! << 22) | ((p[2]! >> 1) << 15) | (p[3]! << 7) | (p[4]! >> 1))
    );
  }
  return null;
}

/** One channel of a TS segment, decoded to f32 at 48 kHz. */
async function decodeChannel(file: string, channel: 0 | 1): Promise<Float32Array> {
  const r = await run(
    "ffmpeg",
    [
      "-v",
      "error",
      "-i",
      file,
      "-af",
      `channelmap=map=${channel === 0 ? "FL" : "FR"}:channel_layout=mono`,
      "-ar",
      String(RATE),
      "-f",
      "f32le",
      "-",
    ],
    { timeoutMs: 20_000 },
  );
  return new Float32Array(r.stdout.buffer.slice(r.stdout.byteOffset, r.stdout.byteOffset + r.stdout.length));
}

/** The lag (samples) of b behind a that best lines them up, by normalised cross-correlation. */
function lagOf(a: Float32Array, b: Float32Array, maxLag: number): { lag: number; corr: number } {
  let best = { lag: 0, corr: -Infinity };
  const n = Math.min(a.length, b.length) - 2 * maxLag;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let s = 0;
    let ea = 0;
    let eb = 0;
    for (let i = maxLag; i < maxLag + n; i++) {
      const x = a[i]!;
      const y = b[i + lag]!;
      s += x * y;
      ea += x * x;
      eb += y * y;
    }
    const c = s / Math.sqrt(ea * eb + 1e-20);
    if (c > best.corr) best = { lag, corr: c };
  }
  return best;
}

/** Waits until `ff` decoded `seconds`; on timeout, says what ffmpeg and the cache saw. */
async function playing(ff: FfmpegHlsClient, seconds: number, what: string, logs = () => ""): Promise<void> {
  try {
    await until(() => ff.seconds > seconds, 30_000, what);
  } catch (err) {
    throw new Error(
      `${(err as Error).message} (${ff.seconds.toFixed(1)} s decoded)\nffmpeg: ${ff.proc.stderr.slice(-1500)}\n${logs()}`,
    );
  }
}

describe("two instances of one channel, one stream", { timeout: LIFETIME }, () => {
  const root = tempDir("antenne-epoch-");
  let studio: Studio;
  let a: Instance;
  let b: Instance;
  let relayA: Relay;
  let relayB: Relay;
  let cache: Nginx;
  let origin: Nginx;
  const seen = { a: new Map<string, Seen>(), b: new Map<string, Seen>() };
  const cacheLog = () => {
    try {
      return `cache: ${readFileSync(join(cache.prefix, "access.log"), "utf8").slice(-3000)}\n${cache.errorLog().slice(-2000)}`;
    } catch {
      return "";
    }
  };

  /** Records what each instance lists now (and the first PTS of segments not seen before). */
  function snapshot(): void {
    for (const [name, inst] of [
      ["a", a],
      ["b", b],
    ] as const) {
      for (const profile of PROFILES) {
        const pl = readMedia(inst.hlsDir, profile);
        if (!pl) continue;
        assert.equal(pl.discontinuitySequence, 0, `${name} ${profile}: no discontinuity ever`);
        for (const s of pl.segments) {
          const key = `${profile} ${s.seq}`;
          const prev = seen[name].get(key);
          if (prev && (prev.gap || prev.pts !== null)) continue;
          const pts = s.gap ? null : firstPts(join(inst.hlsDir, s.uri));
          seen[name].set(key, { uri: s.uri, extinf: s.duration, pdtMs: s.pdtMs, gap: s.gap, pts });
        }
      }
    }
  }

  before(async () => {
    const [cachePort, originPort] = [await freeTcpPort(), await freeTcpPort()];
    const originPrefix = join(root, "origin");
    mkdirSync(originPrefix);
    origin = await startNginx(originPrefix, originPort, originConf(originPrefix, originPort), LIFETIME);
    studio = await Studio.start(2, STUDIO_HZ, LIFETIME);
    a = new Instance({ name: "A", dir: join(root, "a"), yaml: yaml(originPort), maxLifetimeMs: LIFETIME });
    b = new Instance({ name: "B", dir: join(root, "b"), yaml: yaml(originPort), maxLifetimeMs: LIFETIME });
    await a.prepare();
    await b.prepare();
    const cachePrefix = join(root, "cache");
    mkdirSync(cachePrefix);
    cache = await startNginx(
      cachePrefix,
      cachePort,
      failoverConf(cachePrefix, cachePort, `127.0.0.1:${a.apiPort}`, `127.0.0.1:${b.apiPort}`),
      LIFETIME,
    );
    relayA = new Relay(studio.udpPorts[0]!, () => a.srtPort, LIFETIME);
    relayB = new Relay(studio.udpPorts[1]!, () => b.srtPort, LIFETIME);
    await a.start();
    relayA.start();
    await until(() => readMedia(a.hlsDir, "hifi")?.segments.length, 15_000, "A's first segment");
    await sleep(7000); // B starts ≥ 7 s after A
    await b.start();
    relayB.start();
  });

  after(async () => {
    await Promise.all([relayA?.stop(), relayB?.stop()]);
    await Promise.all([a?.stop(), b?.stop(), studio?.stop(), cache?.stop(), origin?.stop()]);
    rmSync(root, { recursive: true, force: true });
  });

  test("for 30 s, every sequence both list has the same URI, EXTINF, PDT and first PTS, in every variant", async () => {
    await until(() => readMedia(b.hlsDir, "hifi")?.segments.length, 15_000, "B's first segment");
    const t0 = performance.now();
    while (performance.now() - t0 < 30_000) {
      snapshot();
      await sleep(500);
    }
    snapshot();
    for (const profile of PROFILES) {
      const common = [...seen.b.keys()].filter((k) => k.startsWith(`${profile} `) && seen.a.has(k));
      const real = common.filter((k) => !seen.a.get(k)!.gap && !seen.b.get(k)!.gap);
      assert.ok(
        real.length >= 14,
        `${profile}: ${real.length} sequences produced by both (30 s of 2 s segments)`,
      );
      for (const k of common) {
        const [x, y] = [seen.a.get(k)!, seen.b.get(k)!];
        assert.deepEqual([x.uri, x.extinf, x.pdtMs], [y.uri, y.extinf, y.pdtMs], `${k}: URI, EXTINF, PDT`);
      }
      for (const k of real) assert.equal(seen.a.get(k)!.pts, seen.b.get(k)!.pts, `${k}: first PTS`);
      console.log(
        `# ${profile}: ${common.length} sequences listed by both, ${real.length} produced by both: identical`,
      );
    }
  });

  test("content offset between the instances, measured on the same sequence decoded from both", async () => {
    const pa = readMedia(a.hlsDir, "hifi")!;
    const pb = readMedia(b.hlsDir, "hifi")!;
    const seq = pb.segments
      .filter((s) => !s.gap && pa.segments.some((x) => x.seq === s.seq && !x.gap))
      .at(-2)!;
    const [xa, xb] = await Promise.all([
      decodeChannel(join(a.hlsDir, seq.uri), 1),
      decodeChannel(join(b.hlsDir, seq.uri), 1),
    ]);
    const { lag, corr } = lagOf(xa, xb, Math.round(0.25 * RATE));
    console.log(
      `# content offset B − A at sequence ${seq.seq}: ${lag} samples (${((lag / RATE) * 1000).toFixed(2)} ms), correlation ${corr.toFixed(3)}`,
    );
    assert.ok(corr > 0.3, `the two segments carry the same programme (correlation ${corr.toFixed(3)})`);
    // Fed the same programme, both put the same audio at the same UTC position: within one AAC frame.
    assert.ok(Math.abs(lag) <= 1024, `content offset ${lag} samples (≤ 1024: one AAC frame)`);
  });

  test("kill -9 A under the listeners: playback goes on, no error, no sequence jump, ≤ 2 disturbed 10 ms windows", async () => {
    const url = `${cache.url}/hls/epoch_hifi.m3u8`;
    const ff = new FfmpegHlsClient(url, 120_000, 0);
    const web = skipBrowser ? null : await HlsJsClient.open(url);
    try {
      await playing(ff, 8, "ffmpeg playing through the cache", cacheLog);
      if (web) {
        await until(async () => (await web.pull(), web.pcm().length > 8 * RATE), 30_000, "hls.js playing");
      }
      const killedAt = { ff: ff.seconds, web: web ? web.pcm().length / RATE : 0 };
      await a.kill9();
      const t0 = performance.now();
      while (performance.now() - t0 < 16_000) {
        await web?.pull();
        await sleep(500);
      }
      const judge = (what: string, pcm: Float32Array, atSec: number) => {
        const from = Math.max(0, Math.round((atSec - 4) * RATE));
        const part = pcm.subarray(from, pcm.length - RATE);
        const r = disturbedWindows(part, { rate: RATE, freq: STUDIO_HZ });
        console.log(
          `# ${what}: ${(part.length / RATE).toFixed(1)} s around the kill, ${r.disturbed} disturbed 10 ms windows` +
            (r.at.length
              ? ` at ${r.at.map((i) => ((from + i) / RATE - atSec).toFixed(2) + " s").join(", ")}`
              : ""),
        );
        assert.ok(part.length > 14 * RATE, `${what} kept playing: ${part.length / RATE} s`);
        assert.ok(r.disturbed <= 2, `${what}: ${r.disturbed} disturbed windows`);
      };
      judge("ffmpeg", ff.pcm(), killedAt.ff);
      const complaints = ff.complaints().filter((l) => !/^\s*$/.test(l));
      assert.deepEqual(complaints, [], "ffmpeg reported nothing");
      if (web) {
        judge("hls.js", web.pcm(), killedAt.web);
        assert.deepEqual(web.errors(), [], "hls.js reported no error");
        const sns = web.loaded.filter((sn, i, all) => all.indexOf(sn) === i);
        for (let i = 1; i < sns.length; i++)
          assert.equal(sns[i], sns[i - 1]! + 1, "hls.js loaded every sequence in order");
      }
    } finally {
      await ff.stop();
      await web?.close();
    }
  });

  test("the origin's playlist keeps advancing without A, and plays", async () => {
    const url = `${origin.url}/epoch/epoch_hifi.m3u8`;
    const last = async () => {
      const r = await fetch(url);
      return r.ok ? (parseMedia(await r.text()).segments.at(-1)?.seq ?? 0) : 0;
    };
    const before = await last();
    await until(async () => (await last()) >= before + 2, 10_000, "the origin playlist advancing");
    const ff = new FfmpegHlsClient(url, 60_000, 0);
    try {
      await playing(ff, 6, "ffmpeg playing from the origin");
      const tone = dominant(ff.pcm().subarray(RATE), [STUDIO_HZ, SAFETY_HZ], RATE);
      assert.equal(tone.freq, STUDIO_HZ);
    } finally {
      await ff.stop();
    }
  });

  test("A restarted rejoins with the same numbering", async () => {
    const seqB = readMedia(b.hlsDir, "hifi")!.segments.at(-1)!.seq;
    await a.start();
    await until(
      () => PROFILES.every((p) => readMedia(a.hlsDir, p)?.segments.some((s) => s.seq > seqB && !s.gap)),
      20_000,
      "A's new segments",
    );
    seen.a.clear();
    seen.b.clear();
    snapshot();
    await sleep(6000);
    snapshot();
    for (const profile of PROFILES) {
      const fresh = [...seen.a.keys()].filter(
        (k) => k.startsWith(`${profile} `) && Number(k.split(" ")[1]) > seqB,
      );
      const both = fresh.filter((k) => seen.b.has(k) && !seen.a.get(k)!.gap && !seen.b.get(k)!.gap);
      assert.ok(both.length >= 2, `${profile}: ${both.length}`);
      for (const k of both) {
        const [x, y] = [seen.a.get(k)!, seen.b.get(k)!];
        assert.deepEqual([x.uri, x.extinf, x.pdtMs, x.pts], [y.uri, y.extinf, y.pdtMs, y.pts], k);
      }
    }
  });

  test("health-aware: A on its safety source steps aside; the cache plays B's programme", async () => {
    await until(async () => (await fetch(`${a.url}/readyz`)).ok, 20_000, "A ready (studio on air)");
    await relayA.stop();
    await until(async () => (await fetch(`${a.url}/readyz`)).status === 503, 10_000, "A steps aside");
    const direct = await fetch(`${a.url}/hls/epoch_hifi.m3u8`);
    assert.equal(direct.status, 503);
    assert.match(direct.headers.get("x-antenne-health") ?? "", /^degraded: on the safety source "safety"/);
    const lastResort = await fetch(`${a.url}/hls/epoch_hifi.m3u8`, {
      headers: { "x-antenne-accept-degraded": "1" },
    });
    assert.equal(lastResort.status, 200, "a cache's last resort is served");
    await sleep(2500); // segments made while A was degraded are in the next playlists
    const ff = new FfmpegHlsClient(`${cache.url}/hls/epoch_hifi.m3u8`, 60_000, 0);
    try {
      await playing(ff, 7, "ffmpeg through the cache", cacheLog);
      const pcm = ff.pcm();
      const perSecond = Array.from({ length: Math.floor(pcm.length / RATE) }, (_, i) => {
        const d = dominant(pcm.subarray(i * RATE, (i + 1) * RATE), [STUDIO_HZ, SAFETY_HZ], RATE);
        return `${d.freq}:${d.share.toFixed(2)}`;
      });
      const why = `second by second: ${perSecond.join(" ")}\n${cacheLog()}`;
      assert.ok(
        perSecond.every((x) => x.startsWith(`${STUDIO_HZ}:`)),
        `B's programme, never A's safety tone: ${why}`,
      );
      assert.ok(toneShare(pcm, SAFETY_HZ, RATE) < 0.01, why);
    } finally {
      await ff.stop();
    }
    // At the origin too, B's segments won: A, degraded, only offers a copy where there is none.
    const pl = parseMedia(await (await fetch(`${origin.url}/epoch/epoch_hifi.m3u8`)).text());
    for (const s of pl.segments.slice(-3)) {
      const file = join(root, "probe.ts");
      writeFileSync(file, Buffer.from(await (await fetch(`${origin.url}/epoch/${s.uri}`)).arrayBuffer()));
      const left = await decodeChannel(file, 0);
      const switches = (i: { logs: string }) =>
        i.logs
          .split("\n")
          .filter((l) => l.includes('"msg":"switch"') || l.includes("ANTENNE_HLS_PUSH"))
          .slice(-6)
          .join("\n");
      assert.equal(
        dominant(left, [STUDIO_HZ, SAFETY_HZ], RATE).freq,
        STUDIO_HZ,
        `origin ${s.uri}\nA: ${switches(a)}\nB: ${switches(b)}`,
      );
      assert.ok(toneShare(left, SAFETY_HZ, RATE) < 0.01, `origin ${s.uri}: no safety tone`);
    }
  });

  test("both degraded: both serve, the cache still plays (never off air)", async () => {
    await relayB.stop();
    await until(async () => (await fetch(`${b.url}/readyz`)).status === 503, 10_000, "B steps aside too");
    await sleep(2500);
    const res = await fetch(`${cache.url}/hls/epoch_hifi.m3u8`);
    assert.equal(res.status, 200, cacheLog());
    assert.match(res.headers.get("x-antenne-health") ?? "", /^degraded: /);
    const ff = new FfmpegHlsClient(`${cache.url}/hls/epoch_hifi.m3u8`, 60_000, 0);
    try {
      await playing(ff, 6, "ffmpeg through the cache", cacheLog);
      assert.equal(dominant(ff.pcm().subarray(RATE), [STUDIO_HZ, SAFETY_HZ], RATE).freq, SAFETY_HZ);
    } finally {
      await ff.stop();
    }
  });
});
