import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Daemon } from "../../src/daemon.js";
import { decodeMono, dominant } from "../helpers/audio.js";
import { startTestDaemon, tempDir } from "../helpers/channel.js";
import { parseMaster, parseMedia, type MediaPlaylist } from "../helpers/m3u8.js";
import { run, until } from "../helpers/proc.js";

const PROFILES = ["lofi", "midfi", "hifi"];
const yaml = (port: number) => `
channel: tone
audio: { sampleRate: 48000, channels: 2 }
inputs:
  - id: tone
    tone: { frequencyHz: 1000, amplitudeDb: -12 }
switcher: { statePath: ./state.json, silence: { minNoiseSec: 0.2 } }
profiles:
  lofi: { codec: aac, bitrate: 32k }
  midfi: { codec: aac, bitrate: 96k }
  hifi: { codec: aac, bitrate: 192k }
outputs:
  hls: { dir: ./hls, segmentSec: 2, windowSegments: 8, profiles: [lofi, midfi, hifi] }
api: { listen: "127.0.0.1:${port}" }
`;

describe("HLS from a running daemon", { timeout: 180_000 }, () => {
  const dir = tempDir();
  const hlsDir = join(dir, "hls");
  let d: Daemon;
  const media = (p: string): MediaPlaylist =>
    parseMedia(readFileSync(join(hlsDir, `tone_${p}.m3u8`), "utf8"));
  const segmentsOf = (p: string) =>
    existsSync(join(hlsDir, `tone_${p}.m3u8`)) ? media(p).segments.length : 0;

  before(async () => {
    d = await startTestDaemon(yaml, dir);
  });
  after(async () => {
    await d?.close();
  });

  test("readyz is 503 before the first segments, 200 once every variant has one", async () => {
    const early = await fetch(`${d.url}/readyz`);
    assert.equal(early.status, 503);
    assert.match(((await early.json()) as { message: string }).message, /no HLS segment yet|old/);
    await until(() => PROFILES.every((p) => segmentsOf(p) >= 1), 10_000, "first segments");
    const ready = await fetch(`${d.url}/readyz`);
    assert.equal(ready.status, 200);
  });

  test("playlists obey RFC 8216 and variants are aligned", async () => {
    await until(() => PROFILES.every((p) => segmentsOf(p) >= 4), 20_000, "4 segments per variant");
    const master = parseMaster(readFileSync(join(hlsDir, "tone.m3u8"), "utf8"));
    assert.ok(master.independent);
    assert.deepEqual(
      master.variants.map((v) => v.uri),
      PROFILES.map((p) => `tone_${p}.m3u8`),
    );
    for (const v of master.variants) {
      assert.equal(v.codecs, "mp4a.40.2");
      assert.ok(v.bandwidth >= v.averageBandwidth && v.averageBandwidth > 0);
    }
    const lists = PROFILES.map(media);
    for (const pl of lists) {
      assert.ok(pl.targetDuration >= 2);
      for (const s of pl.segments) {
        assert.ok(Math.round(s.duration) <= pl.targetDuration, `EXTINF ${s.duration} > ${pl.targetDuration}`);
        assert.ok(s.pdtMs !== null, "PDT on every segment");
        assert.match(s.uri, new RegExp(`^tone_aac_[a-z]+_2_${s.seq}_\\d{10}\\.ts$`));
        assert.equal(
          Number(s.uri.split("_")[5]!.slice(0, 10)),
          Math.floor(s.pdtMs! / 1000),
          "unixTime in the name is the PDT second",
        );
        assert.ok(existsSync(join(hlsDir, s.uri)), "listed segment is on disk");
      }
      for (let i = 1; i < pl.segments.length; i++) {
        const [a, b] = [pl.segments[i - 1]!, pl.segments[i]!];
        assert.ok(b.pdtMs! > a.pdtMs!, "PDT increases");
        assert.ok(
          Math.abs(b.pdtMs! - a.pdtMs! - a.duration * 1000) < 2,
          "PDT advances by the segment duration",
        );
      }
    }
    // Same sequence = same sample span: identical durations and PDT in every variant.
    const [ref, ...others] = lists;
    for (const s of ref!.segments) {
      for (const o of others) {
        const t = o.segments.find((x) => x.seq === s.seq);
        if (!t) continue;
        assert.equal(t.duration, s.duration, `seq ${s.seq} duration`);
        assert.equal(t.pdtMs, s.pdtMs, `seq ${s.seq} PDT`);
      }
    }
    assert.equal(readdirSync(hlsDir).filter((f) => f.endsWith(".tmp")).length, 0, "no temp files left");
  });

  test("ffmpeg as an HLS client reads 10 s from the served URL and hears the tone", async () => {
    await until(() => PROFILES.every((p) => segmentsOf(p) >= 6), 20_000, "6 segments per variant");
    const res = await fetch(`${d.url}/hls/tone.m3u8`);
    assert.equal(res.headers.get("content-type"), "application/vnd.apple.mpegurl");
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.match(res.headers.get("cache-control") ?? "", /max-age=1\b/);
    const seg = media("midfi").segments[0]!;
    const segRes = await fetch(`${d.url}/hls/${seg.uri}`);
    assert.equal(segRes.headers.get("content-type"), "video/mp2t");
    assert.match(segRes.headers.get("cache-control") ?? "", /max-age=\d{4,}/);
    const pcm = await decodeMono(`${d.url}/hls/tone_midfi.m3u8`, {
      seconds: 10,
      timeoutMs: 40_000,
      extra: ["-live_start_index", "0"],
    });
    assert.ok(pcm.length >= 48000 * 9.5, `decoded ${pcm.length / 48000} s`);
    const tone = dominant(pcm.subarray(48000, 48000 * 9), [440, 660, 1000, 2000], 48000);
    assert.equal(tone.freq, 1000);
    assert.ok(tone.share > 0.8, `tone share ${tone.share}`);
  });

  test("promtool check metrics passes on /metrics", async () => {
    const text = await (await fetch(`${d.url}/metrics`)).text();
    assert.match(text, /antenne_hls_segments_total\{profile="midfi",channel="tone"\} [1-9]/);
    assert.match(text, /antenne_input_available\{input="tone",channel="tone"\} 1/);
    assert.match(text, /antenne_output_sent_bytes_total\{output="hls",channel="tone"\} [1-9]/);
    assert.match(text, /process_cpu_seconds_total/);
    // Event-loop lag from the program clock's ticks (some ticks have run by now; a few ms at most).
    const p99 = /^antenne_eventloop_lag_p99_seconds\{channel="tone"\} (\S+)$/m.exec(text);
    assert.ok(p99 && Number(p99[1]) >= 0 && Number(p99[1]) < 0.5, `lag p99 ${p99?.[1]}`);
    assert.match(text, /^nodejs_eventloop_lag_seconds\{/m);
    assert.doesNotMatch(text, /nodejs_eventloop_lag_p99_seconds/);
    const r = await run("promtool", ["check", "metrics"], { timeoutMs: 20_000, input: text });
    assert.equal(r.code, 0, r.stderr + r.stdout.toString());
  });

  test("kill -9 an encoder: it comes back and re-encodes the open segment: no gap, no discontinuity", async () => {
    const enc = d.channel.encoder.streams.find((s) => s.profile === "midfi")!;
    const pid = enc.pid!;
    const before = media("midfi").segments.at(-1)!.seq;
    process.kill(pid, "SIGKILL");
    await until(() => enc.pid !== undefined && enc.pid !== pid, 1000, "encoder restarted within 1 s");
    await until(
      () => PROFILES.every((p) => media(p).segments.at(-1)!.seq >= before + 3),
      15_000,
      "sequence goes on",
    );
    for (const p of PROFILES) {
      const pl = media(p);
      assert.equal(pl.discontinuitySequence, 0);
      for (const s of pl.segments.filter((x) => x.seq > before - 2)) {
        assert.equal(s.discontinuity, false, `${p} ${s.seq}: the timeline never breaks`);
        assert.equal(s.gap, false, `${p} ${s.seq}: the open segment was re-encoded whole`);
      }
    }
    const status = (await (await fetch(`${d.url}/api/v1/status`)).json()) as {
      profiles: { profile: string; encoderRestarts: number }[];
    };
    assert.equal(status.profiles.find((p) => p.profile === "midfi")?.encoderRestarts, 1);
  });

  test("a hung encoder (SIGSTOP) is restarted once it took no audio for 3 s; HLS goes on", async () => {
    const enc = d.channel.encoder.streams.find((s) => s.profile === "midfi")!;
    const pid = enc.pid!;
    const restarts = enc.restarts;
    const lastBefore = Math.max(...PROFILES.map((p) => media(p).segments.at(-1)!.seq));
    const stoppedAt = performance.now();
    process.kill(pid, "SIGSTOP");
    try {
      // Its stdin pipe (256 KiB, ~1.4 s of program) fills, then it takes nothing for 3 s.
      await until(() => enc.pid !== undefined && enc.pid !== pid, 10_000, "stalled encoder replaced");
    } finally {
      // SIGKILL reaches a stopped process; make sure it is gone even if the test failed.
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    const tookSec = (performance.now() - stoppedAt) / 1000;
    assert.ok(tookSec >= 3 && tookSec <= 8, `replaced after ${tookSec.toFixed(1)} s`);
    assert.equal(enc.restarts, restarts + 1);
    assert.match(enc.lastError ?? "", /encoder stalled/);
    await until(
      () => PROFILES.every((p) => media(p).segments.at(-1)!.seq >= lastBefore + 3),
      15_000,
      "sequence goes on in every variant",
    );
    // Whatever the stall cost (a gap where the history no longer held the open segment), every
    // variant marks it at the same sequences, and nothing marks a discontinuity.
    const gaps = PROFILES.map((p) =>
      media(p)
        .segments.filter((s) => s.gap && s.seq <= lastBefore + 2)
        .map((s) => s.seq),
    );
    assert.deepEqual(gaps[1], gaps[0]);
    assert.deepEqual(gaps[2], gaps[0]);
    for (const p of PROFILES) assert.ok(media(p).segments.every((s) => !s.discontinuity));
  });

  test("a restarted daemon continues the epoch numbering, without a state file, the downtime as gaps", async () => {
    const last = media("hifi").segments.at(-1)!.seq;
    await d.close();
    rmSync(join(dir, "state.json"), { force: true });
    d = await startTestDaemon(yaml, dir);
    await until(
      () => media("hifi").segments.some((s) => s.seq > last && !s.gap),
      15_000,
      "a new segment after restart",
    );
    const pl = media("hifi");
    assert.ok(
      pl.segments.some((s) => s.seq === last && !s.gap),
      "previous run's segments still listed",
    );
    const next = pl.segments.filter((s) => s.seq > last);
    next.forEach((s, i) => assert.equal(s.seq, last + 1 + i, "consecutive sequences"));
    assert.ok(next.at(-1)!.gap === false);
    assert.ok(pl.segments.every((s) => !s.discontinuity) && pl.discontinuitySequence === 0);
    for (const s of next) {
      assert.ok(s.gap || existsSync(join(hlsDir, s.uri)), `${s.uri} listed: on disk`);
      assert.equal(s.gap, !existsSync(join(hlsDir, s.uri)), `${s.uri}: a gap iff not on disk`);
    }
  });
});
