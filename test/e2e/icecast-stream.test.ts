/**
 * A real icecast2 fed by the source client from real ffmpeg encoders: the AAC and MP3 mounts
 * appear with the right content type and bitrate, ffmpeg listeners decode the right tone from
 * each, listener counts are polled, now-playing (UTF-8) reaches the server.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { IcecastConfig } from "../../src/config/load.js";
import { silentLogger } from "../../src/log.js";
import { IcecastOutput } from "../../src/output/icecast/source-client.js";
import { parseIcecastStats } from "../../src/output/icecast/stats.js";
import { FfmpegFeed, listen, toneStrength, zeroCrossingHz } from "../helpers/icecast-feed.js";
import { IcecastServer } from "../helpers/icecast-server.js";
import { componentDeps } from "../helpers/deps.js";
import { until } from "../helpers/proc.js";

let server: IcecastServer;
let aacFeed: FfmpegFeed;
let mp3Feed: FfmpegFeed;
let aacOut: IcecastOutput;
let mp3Out: IcecastOutput;

function cfg(mount: string, over: Partial<IcecastConfig> = {}): IcecastConfig {
  return {
    id: mount,
    url: server.sourceUrl(mount),
    mount: `/${mount}`,
    profile: "p",
    public: false,
    admin: null,
    method: "PUT",
    ...over,
  };
}

before(async () => {
  server = await IcecastServer.start();
  aacFeed = new FfmpegFeed({ codec: "aac", frequencyHz: 1000, bitrate: 128_000 });
  mp3Feed = new FfmpegFeed({ codec: "mp3", frequencyHz: 440, bitrate: 128_000 });
  aacOut = new IcecastOutput({
    config: cfg("test-hifi.aac", {
      name: "Antenne Test AAC",
      description: "Un test",
      genre: "Tone",
      admin: server.adminUrl,
    }),
    stream: aacFeed,
    ...componentDeps(),
    log: silentLogger(),
    adminPollIntervalMs: 1000,
  });
  // The MP3 mount uses the legacy SOURCE method and no admin URL (metadata with source credentials).
  mp3Out = new IcecastOutput({
    config: cfg("test-midfi.mp3", { name: "Antenne Test MP3", method: "SOURCE" }),
    stream: mp3Feed,
    ...componentDeps(),
    log: silentLogger(),
  });
  aacFeed.start();
  mp3Feed.start();
  aacOut.start();
  mp3Out.start();
});

after(async () => {
  await Promise.all([aacOut?.close(), mp3Out?.close()]);
  await Promise.all([aacFeed?.stop(), mp3Feed?.stop()]);
  await server?.dispose();
});

void test("both mounts appear in /admin/stats with content type, bitrate and stream headers", async () => {
  const stats = await until(
    async () => {
      const m = parseIcecastStats(await server.stats());
      return m.has("/test-hifi.aac") && m.has("/test-midfi.mp3") ? m : null;
    },
    10_000,
    "both mounts in /admin/stats",
  );
  const aac = stats.get("/test-hifi.aac")!;
  const mp3 = stats.get("/test-midfi.mp3")!;
  assert.equal(aac.contentType, "audio/aac");
  assert.equal(mp3.contentType, "audio/mpeg");
  assert.equal(aac.bitrate, 128);
  assert.equal(mp3.bitrate, 128);
  assert.equal(aac.fields.server_name, "Antenne Test AAC");
  assert.equal(aac.fields.server_description, "Un test");
  assert.equal(aac.fields.genre, "Tone");
  assert.equal(aac.fields.public, "0");
  assert.match(aac.fields.audio_info ?? "", /ice-samplerate=44100/);
  assert.match(aac.fields.audio_info ?? "", /ice-channels=2/);
  const json = await server.statusJson();
  assert.equal(json.get("/test-hifi.aac")?.server_type, "audio/aac");
  assert.equal(json.get("/test-midfi.mp3")?.server_type, "audio/mpeg");
  assert.equal(aacOut.status().state, "running");
  assert.equal(mp3Out.status().state, "running");
});

void test("ffmpeg listeners decode ~10 s of the right tone from each mount; listeners are polled", async () => {
  const rate = 44100;
  const polledListeners: number[] = [];
  const poll = setInterval(() => polledListeners.push(aacOut.status().listeners ?? -1), 250);
  try {
    const [aacPcm, mp3Pcm] = await Promise.all([
      listen(`${server.baseUrl}/test-hifi.aac`, 10, rate),
      listen(`${server.baseUrl}/test-midfi.mp3`, 10, rate),
    ]);
    for (const [name, pcm, hz, other] of [
      ["aac", aacPcm, 1000, 440],
      ["mp3", mp3Pcm, 440, 1000],
    ] as const) {
      assert.ok(pcm.length >= 9.5 * rate, `${name}: decoded ${(pcm.length / rate).toFixed(2)} s`);
      // Skip the first second (decoder start, server burst).
      const mid = pcm.subarray(rate, pcm.length - rate / 2);
      const zc = zeroCrossingHz(mid, rate);
      assert.ok(Math.abs(zc - hz) < hz * 0.02, `${name}: zero crossings say ${zc.toFixed(1)} Hz, want ${hz}`);
      const win = mid.subarray(0, rate);
      assert.ok(
        toneStrength(win, rate, hz) > 0.8,
        `${name}: ${hz} Hz strength ${toneStrength(win, rate, hz)}`,
      );
      assert.ok(toneStrength(win, rate, other) < 0.05, `${name}: ${other} Hz should be absent`);
    }
  } finally {
    clearInterval(poll);
  }
  assert.ok(
    polledListeners.some((n) => n >= 1),
    `polled listeners: ${polledListeners.join(",")}`,
  );
  assert.equal(mp3Out.status().listeners, null, "no admin URL: listeners unknown");
  for (const out of [aacOut, mp3Out]) {
    const st = out.status();
    assert.ok(st.sentBytes > 10 * 16_000 * 0.9, `${st.id} sent ${st.sentBytes} bytes`);
    assert.equal(st.droppedFrames, 0);
    assert.equal(st.restarts, 0);
  }
});

void test("listener count drops back to 0 once the listeners left", async () => {
  await until(() => aacOut.status().listeners === 0, 8000, "0 listeners polled");
});

// Icecast 2.4 converts titles to the mount's <charset> (ISO-8859-1 unless configured): Latin-1
// text such as "Édith" round-trips, other characters become "&#NNNN;" references on the server.
void test("now-playing in UTF-8 reaches both mounts (admin credentials and source credentials)", async () => {
  assert.equal(await aacOut.updateMetadata({ artist: "Édith Piaf", title: "La vie en rose" }), true);
  assert.equal(
    await mp3Out.updateMetadata({ artist: "Édith Piaf", title: "Non, je ne regrette rien" }),
    true,
  );
  const stats = await until(
    async () => {
      const m = parseIcecastStats(await server.stats());
      return m.get("/test-hifi.aac")?.title && m.get("/test-midfi.mp3")?.title ? m : null;
    },
    5000,
    "titles in stats",
  );
  assert.equal(stats.get("/test-hifi.aac")?.title, "Édith Piaf - La vie en rose");
  assert.equal(stats.get("/test-midfi.mp3")?.title, "Édith Piaf - Non, je ne regrette rien");
  const json = await server.statusJson();
  assert.equal(json.get("/test-hifi.aac")?.title, "Édith Piaf - La vie en rose");
});
