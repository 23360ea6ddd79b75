import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EncodedFrame } from "../../src/types/index.js";
import { ptsOf } from "../../src/output/hls/epoch-grid.js";
import { AUDIO_PID, PMT_PID, TsMuxer } from "../../src/output/hls/ts-muxer.js";
import { crc32Mpeg, decodePts, encodePts, packetize } from "../../src/output/hls/ts-packets.js";
import { run } from "../helpers/proc.js";
import { encodeSine, readTs, tempDir } from "./hls-fixtures.js";

const toFrames = (data: Buffer[], samples: number, first = 0): EncodedFrame[] =>
  data.map((d, i) => ({ data: d, pos: (first + i) * samples, samples }));
/** A 4 s grid index of 2026 and the frame index of its first sample (48 kHz, AAC). */
const K = 445_000_000;
const I = (K * 192000) / 1024;

test("PTS field round-trips, including values above 2^32 and the 33-bit wrap", () => {
  for (const v of [0, 1, 126_000, 2 ** 30 + 7, 2 ** 32 + 12345, 2 ** 33 - 1]) {
    assert.equal(decodePts(encodePts(v)), v);
  }
  assert.equal(decodePts(encodePts(2 ** 33 + 5)), 5);
  // marker bits set, '0010' prefix
  const b = encodePts(0);
  assert.equal((b[0] ?? 0) & 0xf1, 0x21);
});

test("CRC-32/MPEG-2 check value", () => {
  assert.equal(crc32Mpeg(Buffer.from("123456789")), 0x0376e6e7);
});

test("packetize pads the last packet with adaptation stuffing, for every payload size", () => {
  for (const size of [0, 1, 2, 175, 176, 177, 182, 183, 184, 185, 360, 1000]) {
    const payload = Buffer.alloc(size, 0xab);
    const { packets, nextCc } = packetize(0x100, payload, 14, true, { pcr: 1234, randomAccess: true });
    const pk = readTs(packets);
    const got = Buffer.concat(pk.map((p) => p.payload));
    assert.equal(got.length, size, `size ${size}`);
    assert.ok(got.every((x) => x === 0xab));
    assert.equal(pk[0]?.pcr, 1234);
    assert.equal(nextCc, (14 + pk.length) & 15);
    assert.deepEqual(
      pk.map((p) => p.cc),
      pk.map((_, i) => (14 + i) & 15),
    );
  }
});

test("a segment starts with PAT and PMT; counters depend on the segment alone; PTS from the epoch", async () => {
  const data = await encodeSine("aac", "96k", 2);
  const frames = toFrames(data, 1024, I);
  const mux = new TsMuxer({ codec: "aac", sampleRate: 48000 });
  const a = readTs(mux.muxSegment(frames.slice(0, 40), K));
  const b = readTs(mux.muxSegment(frames.slice(40, 80), K + 1));
  for (const [seg, k] of [
    [a, K],
    [b, K + 1],
  ] as const) {
    assert.equal(seg[0]?.pid, 0);
    assert.equal(seg[1]?.pid, PMT_PID);
    assert.equal(seg[0]?.cc, k % 16, "PAT counter = k mod 16: continuous, and the same on every instance");
    assert.equal(seg[1]?.cc, k % 16);
    // PAT: section CRC over table incl. CRC is 0; points to the PMT pid.
    const pat = seg[0]?.payload ?? Buffer.alloc(0);
    const patLen = (((pat[2] ?? 0) & 0x0f) << 8) | (pat[3] ?? 0);
    assert.equal(crc32Mpeg(pat.subarray(1, 4 + patLen)), 0);
    assert.equal((((pat[11] ?? 0) & 0x1f) << 8) | (pat[12] ?? 0), PMT_PID);
    const pmt = seg[1]?.payload ?? Buffer.alloc(0);
    const pmtLen = (((pmt[2] ?? 0) & 0x0f) << 8) | (pmt[3] ?? 0);
    assert.equal(crc32Mpeg(pmt.subarray(1, 4 + pmtLen)), 0);
    assert.equal(pmt[13], 0x0f, "stream_type AAC ADTS");
    // Audio: counter from 0 in every segment, the break declared on its first packet.
    const audio = seg.filter((p) => p.pid === AUDIO_PID);
    assert.deepEqual(
      audio.map((p) => p.cc),
      audio.map((_, i) => i & 15),
    );
    assert.equal((audio[0]?.afFlags ?? 0) & 0x80, 0x80, "discontinuity_indicator on the first audio packet");
    assert.ok(
      audio.slice(1).every((p) => (p.afFlags & 0x80) === 0),
      "and only there",
    );
  }
  const starts = [...a, ...b].filter((p) => p.pid === AUDIO_PID && p.pusi);
  assert.ok(starts.length >= 10, "several PES per second of audio");
  const pts = starts.map((p) => decodePts(p.payload, 9));
  assert.equal(pts[0], ptsOf(I * 1024, 48000), "first PTS = pos × 90 kHz / rate mod 2^33");
  for (const p of starts) {
    assert.notEqual(p.pcr, null, "PCR in the first packet of each PES");
    const lead = (decodePts(p.payload, 9) - (p.pcr ?? 0) + 2 ** 33) % 2 ** 33;
    assert.equal(lead, 63_000, "PCR runs 0.7 s ahead of PTS (mod 2^33)");
  }
  // PES of whole frames: every PTS is on the 1920-tick (1024 samples at 48 kHz) grid
  for (const v of pts) assert.equal((v - (pts[0] ?? 0)) % 1920, 0);
  // ≤ 150 ms per PES
  for (let i = 1; i < pts.length; i++) assert.ok((pts[i] ?? 0) - (pts[i - 1] ?? 0) <= 13_500);
});

test("the same frames give the same bytes whoever muxes them (two instances, two runs)", async () => {
  const frames = toFrames(await encodeSine("aac", "64k", 1), 1024, I);
  const one = new TsMuxer({ codec: "aac", sampleRate: 48000 });
  const two = new TsMuxer({ codec: "aac", sampleRate: 48000 });
  one.muxSegment(frames.slice(0, 10), K - 1); // one has muxed before, two has not
  assert.deepEqual(one.muxSegment(frames.slice(10, 40), K), two.muxSegment(frames.slice(10, 40), K));
});

test("ptsOf is the epoch rule, exact at 44.1 kHz for dates to come", () => {
  const mux = new TsMuxer({ codec: "aac", sampleRate: 44100 });
  assert.equal(mux.ptsOf(44100), 90000);
  for (const pos of [44100 * 86400 * 365 * 56, 44100 * 86400 * 365 * 80 + 1023, 2 ** 50 + 3]) {
    const exact = ((BigInt(pos) * 90000n) / 44100n) % 2n ** 33n;
    assert.equal(mux.ptsOf(pos), Number(exact), `pos ${pos}`);
  }
});

test("ffprobe reads muxed AAC and MP3 segments with continuous PTS", async () => {
  const dir = tempDir();
  for (const codec of ["aac", "mp3"] as const) {
    const samples = codec === "aac" ? 1024 : 1152;
    const frames = toFrames(await encodeSine(codec, "128k", 3), samples);
    const mux = new TsMuxer({ codec, sampleRate: 48000 });
    const file = join(dir, `${codec}.ts`);
    writeFileSync(
      file,
      Buffer.concat([mux.muxSegment(frames.slice(0, 50), 0), mux.muxSegment(frames.slice(50), 1)]),
    );
    const probe = await run(
      "ffprobe",
      [...["-v", "error", "-show_entries", "stream=codec_name:packet=pts", "-of", "json", file]],
      { timeoutMs: 30_000 },
    );
    assert.equal(probe.code, 0, probe.stderr);
    assert.equal(probe.stderr, "");
    const j = JSON.parse(probe.stdout.toString()) as {
      streams: { codec_name: string }[];
      packets: { pts: number }[];
    };
    assert.equal(j.streams[0]?.codec_name, codec);
    const step = (samples * 90000) / 48000;
    assert.ok(j.packets.length >= frames.length - 1);
    for (let i = 1; i < j.packets.length; i++) {
      assert.equal((j.packets[i]?.pts ?? 0) - (j.packets[i - 1]?.pts ?? 0), step, `${codec} packet ${i}`);
    }
    const dec = await run("ffmpeg", ["-v", "error", "-i", file, "-f", "null", "-"], { timeoutMs: 30_000 });
    assert.equal(dec.code, 0);
    assert.equal(dec.stderr, "", `${codec} decodes without errors`);
  }
  rmSync(dir, { recursive: true, force: true });
});
