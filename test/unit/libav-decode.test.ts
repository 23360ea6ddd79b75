import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AudioDecoder, type DecodedBlock, type DecoderCodec } from "../../src/decode/audio-decoder.js";
import { loadLibav } from "../../src/decode/libav-check.js";
import type { Libav } from "../../src/decode/libav.js";
import { toneShare } from "../helpers/audio.js";
import {
  channel,
  concatF32,
  esFrames,
  ffmpegDecode,
  maxAbsDiff,
  scratch,
  zeroCrossingHz,
  type EsSpec,
} from "./libav-fixtures.js";

let lib: Libav;
const tmp = scratch();
before(() => {
  lib = loadLibav();
});
after(() => tmp.done());

/** Samples per frame of each codec (MPEG-1 layer II/III: 1152, AC-3 and 6-block E-AC-3: 1536). */
const FRAME: Record<DecoderCodec, number> = { aac: 1024, mp2: 1152, mp3: 1152, ac3: 1536, eac3: 1536 };
/**
 * Largest |ours - ffmpeg CLI| per sample. AC-3 / E-AC-3: the same libavcodec, bit-exact. MP3:
 * libmpg123's float synthesis against libavcodec's mp3float, rounding only. MP2: the CLI's
 * default MP2 decoder is libavcodec's fixed-point one, to s16 (< 4 LSB). AAC: libfaad2 against
 * libavcodec's AAC decoder, two float implementations of one standard (-55 dBFS at most, in the
 * first frame, which both overlap with silence; ~-95 dBFS after).
 */
const TOLERANCE: Record<DecoderCodec, number> = { aac: 2e-3, mp2: 4 / 32768, mp3: 1e-6, ac3: 0, eac3: 0 };

function decodeAll(dec: AudioDecoder, frames: Buffer[], frameTicks: number, pts0 = 0): DecodedBlock[] {
  const blocks = frames.flatMap((f, i) => dec.decode(f, pts0 + i * frameTicks));
  return [...blocks, ...dec.flush()];
}

/** SNR of the tone at `freq` (Goertzel share of the signal's power), dB. */
function toneSnrDb(x: Float32Array, freq: number, rate: number): number {
  const share = toneShare(x, freq, rate);
  return 10 * Math.log10(share / Math.max(1e-12, 1 - share));
}

/**
 * The SNR floor is the codec's, not ours: a least-squares sine fit of ffmpeg's own decode of
 * these streams leaves ~29 dB for MP2 (a -18 dBFS tone at 192k) and ~40 dB for AAC 128k.
 * A decoding or interleaving mistake lands far below (around 0 dB).
 */
const MIN_SNR_DB = 25;

const CASES: EsSpec[] = [
  { codec: "aac", rate: 48000, channels: 2, seconds: 2, bitrate: "128k" },
  { codec: "mp2", rate: 48000, channels: 2, seconds: 2, bitrate: "192k" },
  { codec: "mp3", rate: 48000, channels: 2, seconds: 2, bitrate: "128k" },
  { codec: "ac3", rate: 48000, channels: 2, seconds: 2 },
  { codec: "eac3", rate: 48000, channels: 2, seconds: 2 },
  { codec: "aac", rate: 44100, channels: 1, seconds: 2, bitrate: "64k" },
  { codec: "mp2", rate: 44100, channels: 1, seconds: 2, bitrate: "96k" },
];

for (const c of CASES) {
  void test(`${c.codec} ${c.rate} Hz ${c.channels} ch: every sample ffmpeg decodes, the 1 kHz sine, PTS per frame`, async () => {
    const { file, frames } = await esFrames(tmp.dir, c);
    const dec = new AudioDecoder(lib);
    dec.open(c.codec);
    const ticks = (FRAME[c.codec] * 90000) / c.rate;
    const blocks = decodeAll(dec, frames, ticks, 900_000);
    dec.close();

    assert.equal(dec.errors, 0, `errors: ${dec.lastError}`);
    assert.equal(blocks.length, frames.length, "one block per frame");
    const total = blocks.reduce((n, b) => n + b.samples, 0);
    const pcm = concatF32(blocks.map((b) => b.pcm));
    // ffmpeg's libavcodec counts the same priming (AAC 1024, MP3 576 + 529, AC-3 256 samples),
    // LAME-tag trimming switched off there (skip_manual).
    const reference = await ffmpegDecode(file);
    assert.equal(total, reference.length / c.channels, "ffmpeg's sample count");
    assert.equal(total, frames.length * FRAME[c.codec], "whole frames");
    const diff = maxAbsDiff(pcm, reference);
    assert.ok(diff <= TOLERANCE[c.codec], `max |ours - ffmpeg| ${diff}`);
    for (const [i, b] of blocks.entries()) {
      assert.deepEqual([b.sampleRate, b.channels, b.samples], [c.rate, c.channels, FRAME[c.codec]]);
      const pts = 900_000 + i * ticks;
      assert.ok(Math.abs(b.pts90k - pts) <= 0.5, `pts of block ${i}: ${b.pts90k}, frame's ${pts}`);
      assert.equal(b.pcm.length, b.samples * b.channels);
    }

    // Leave out the codec's priming and ramp at both ends: 0.2 s.
    const edge = Math.round(0.2 * c.rate);
    for (let ch = 0; ch < c.channels; ch++) {
      const x = channel(pcm, c.channels, ch).subarray(edge, -edge);
      assert.ok(Math.abs(zeroCrossingHz(x, c.rate) - 1000) < 1, `ch ${ch}: ${zeroCrossingHz(x, c.rate)} Hz`);
      const snr = toneSnrDb(x, 1000, c.rate);
      assert.ok(snr > MIN_SNR_DB, `ch ${ch}: SNR ${snr.toFixed(1)} dB`);
    }
  });
}

void test("AAC 44.1 kHz mono then 48 kHz stereo in one stream: followed by a new faad decoder at the change", async () => {
  const a = await esFrames(tmp.dir, { codec: "aac", rate: 44100, channels: 1, seconds: 1, freq: 440 });
  const b = await esFrames(tmp.dir, { codec: "aac", rate: 48000, channels: 2, seconds: 1, freq: 1000 });
  const dec = new AudioDecoder(lib);
  dec.open("aac");
  const first = a.frames.flatMap((f, i) => dec.decode(f, i * 2090));
  const second = b.frames.flatMap((f, i) => dec.decode(f, 100_000 + i * 1920));
  dec.close();
  assert.equal(dec.errors, 0, `errors: ${dec.lastError}`);
  // faad fixes rate and channels at init: the changed frame opens a new decoder, primed with
  // silence, so no frame is lost at the change.
  assert.equal(first.length, a.frames.length);
  assert.equal(second.length, b.frames.length);
  assert.equal(second[0]?.pts90k, 100_000);
  assert.ok(first.every((x) => x.sampleRate === 44100 && x.channels === 1));
  assert.ok(second.every((x) => x.sampleRate === 48000 && x.channels === 2));
  const tail = concatF32(second.slice(10).map((x) => x.pcm));
  assert.ok(Math.abs(zeroCrossingHz(channel(tail, 2, 1), 48000) - 1000) < 1);
});

void test("a frame without PTS gets the previous block's end; mpg123's first frame keeps its own PTS", async () => {
  const { frames } = await esFrames(tmp.dir, { codec: "mp2", rate: 44100, channels: 2, seconds: 0.2 });
  const dec = new AudioDecoder(lib);
  dec.open("mp2");
  // mpg123 decodes a new stream's first frame once the next header confirms the sync.
  assert.deepEqual(dec.decode(frames[0]!, 5000), []);
  const [b0, b1] = dec.decode(frames[1]!, NaN);
  const [b2] = dec.decode(frames[2]!, NaN);
  dec.close();
  assert.equal(b0?.pts90k, 5000);
  const step = (1152 * 90000) / 44100;
  assert.ok(Math.abs(b1!.pts90k - (5000 + step)) < 1e-6, String(b1?.pts90k));
  assert.ok(Math.abs(b2!.pts90k - (5000 + 2 * step)) < 1e-6, String(b2?.pts90k));
});

void test("open() switches codec and engine; the decoder reports what it opened", async () => {
  const aac = await esFrames(tmp.dir, { codec: "aac", rate: 48000, channels: 2, seconds: 0.2 });
  const ac3 = await esFrames(tmp.dir, { codec: "ac3", rate: 48000, channels: 2, seconds: 0.2 });
  const mp3 = await esFrames(tmp.dir, { codec: "mp3", rate: 48000, channels: 2, seconds: 0.2 });
  const dec = new AudioDecoder(lib);
  dec.open("aac");
  assert.equal(dec.decode(aac.frames[0]!, 0).length, 1);
  dec.open("ac3");
  assert.equal(dec.openCodec, "ac3");
  assert.equal(dec.decode(ac3.frames[0]!, 0)[0]?.samples, 1536);
  dec.open("mp3");
  assert.deepEqual(
    [0, 1].flatMap((i) => dec.decode(mp3.frames[i]!, i)).map((b) => b.samples),
    [1152, 1152],
  );
  dec.close();
  assert.equal(dec.errors, 0);
});

for (const codec of ["aac", "mp2", "ac3"] as const) {
  void test(`${codec}: flush() at a discontinuity; the decoder goes on with the next frames and their PTS`, async () => {
    const { frames } = await esFrames(tmp.dir, { codec, rate: 48000, channels: 2, seconds: 0.5 });
    const ticks = (FRAME[codec] * 90000) / 48000;
    const dec = new AudioDecoder(lib);
    dec.open(codec);
    for (const [i, f] of frames.slice(0, 5).entries()) dec.decode(f, i * ticks);
    assert.deepEqual(dec.flush(), [], "audio decoders hold no frames back");
    // After the break: every block has its own frame's PTS (none carried over the break).
    const after = frames.slice(10, 14).flatMap((f, i) => dec.decode(f, 777_000 + i * ticks));
    assert.deepEqual(
      after.map((b) => [b.pts90k, b.samples]),
      [0, 1, 2, 3].map((i) => [777_000 + i * ticks, FRAME[codec]]),
    );
    dec.close();
    assert.equal(dec.errors, 0);
  });
}

void test("MP2 44.1 kHz mono then 48 kHz stereo in one stream: mpg123 follows, every frame, its own PTS", async () => {
  const a = await esFrames(tmp.dir, { codec: "mp2", rate: 44100, channels: 1, seconds: 1, freq: 440 });
  const b = await esFrames(tmp.dir, { codec: "mp2", rate: 48000, channels: 2, seconds: 1, freq: 1000 });
  const dec = new AudioDecoder(lib);
  dec.open("mp2");
  const blocks = [
    ...a.frames.map((f, i) => ({ f, pts: i * 2351 })),
    ...b.frames.map((f, i) => ({ f, pts: 100_000 + i * 2160 })),
  ].flatMap(({ f, pts }) => dec.decode(f, pts));
  dec.close();
  assert.equal(dec.errors, 0, `errors: ${dec.lastError}`);
  // mpg123 decodes a stream's first frame once it has seen the next; the last one is held back
  // only if it is the first. Every frame comes out, in order, with its own rate and PTS.
  assert.equal(blocks.length, a.frames.length + b.frames.length);
  const first = blocks.slice(0, a.frames.length);
  const second = blocks.slice(a.frames.length);
  assert.ok(first.every((x, i) => x.sampleRate === 44100 && x.channels === 1 && x.pts90k === i * 2351));
  assert.ok(
    second.every((x, i) => x.sampleRate === 48000 && x.channels === 2 && x.pts90k === 100_000 + i * 2160),
  );
  const tail = concatF32(second.slice(10).map((x) => x.pcm));
  assert.ok(Math.abs(zeroCrossingHz(channel(tail, 2, 1), 48000) - 1000) < 1);
});
