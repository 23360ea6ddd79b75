import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AudioDecoder } from "../../src/decode/audio-decoder.js";
import { loadLibav } from "../../src/decode/libav-check.js";
import type { Libav } from "../../src/decode/libav.js";
import { Resampler, type PcmBlock } from "../../src/decode/resampler.js";
import { rmsDb, toneShare } from "../helpers/audio.js";
import { channel, concatF32, esFrames, scratch, zeroCrossingHz } from "./libav-fixtures.js";

let lib: Libav;
const tmp = scratch();
before(() => {
  lib = loadLibav();
});
after(() => tmp.done());

/** A synthetic block: `samples` of a sine at `freq`, the same on every channel. */
function sine(
  rate: number,
  channels: number,
  samples: number,
  freq: number,
  start = 0,
  amp = 0.125,
): PcmBlock {
  const pcm = new Float32Array(samples * channels);
  for (let i = 0; i < samples; i++) {
    const v = amp * Math.sin((2 * Math.PI * freq * (start + i)) / rate);
    for (let ch = 0; ch < channels; ch++) pcm[i * channels + ch] = v;
  }
  return { pcm, sampleRate: rate, channels };
}

void test("AAC 44.1 kHz mono decoded, resampled to 48 kHz stereo: length, delay, pitch", async () => {
  const { frames } = await esFrames(tmp.dir, { codec: "aac", rate: 44100, channels: 1, seconds: 3 });
  const dec = new AudioDecoder(lib);
  dec.open("aac");
  const rs = new Resampler(lib, { sampleRate: 48000, channels: 2 });
  let inSamples = 0;
  const parts: Float32Array[] = [];
  const decoded: Float32Array[] = [];
  for (const [i, f] of frames.entries()) {
    for (const b of dec.decode(f, i * 2090)) {
      inSamples += b.samples;
      decoded.push(b.pcm);
      parts.push(rs.convert(b));
      const outSoFar = parts.reduce((n, p) => n + p.length, 0) / 2;
      // Every input sample is either out or still in the filter (counted in output samples).
      assert.ok(Math.abs(outSoFar + rs.delay - (inSamples * 48000) / 44100) <= 1, `after frame ${i}`);
    }
  }
  assert.ok(rs.delay > 0 && rs.delay < 64, `filter delay ${rs.delay}`);
  parts.push(rs.flush());
  const out = concatF32(parts);
  assert.equal(rs.delay, 0);
  assert.ok(Math.abs(out.length / 2 - (inSamples * 48000) / 44100) <= 1, `${out.length / 2} samples out`);
  const left = channel(out, 2, 0).subarray(9600, -9600);
  const right = channel(out, 2, 1).subarray(9600, -9600);
  assert.deepEqual(left, right, "mono lands on both sides");
  const mono = concatF32(decoded).subarray(8820, -8820);
  const gainDb = rmsDb(left) - rmsDb(mono);
  assert.ok(Math.abs(gainDb + 3.01) < 0.05, `swr's default upmix: -3 dB a side (${gainDb.toFixed(2)} dB)`);
  assert.ok(Math.abs(zeroCrossingHz(left, 48000) - 1000) < 0.5, `${zeroCrossingHz(left, 48000)} Hz`);
  assert.ok(toneShare(left, 1000, 48000) > 0.99);
  assert.equal(rs.errors, 0);
  dec.close();
  rs.close();
});

void test("blocks in the program format pass through: same samples, no converter, no delay", () => {
  const rs = new Resampler(lib, { sampleRate: 48000, channels: 2 });
  const b = sine(48000, 2, 1024, 1000);
  assert.equal(rs.convert(b), b.pcm);
  assert.equal(rs.delay, 0);
  assert.equal(rs.filterSettings(), null);
  assert.equal(rs.flush().length, 0);
  rs.close();
});

void test("a format change mid-stream drains the old converter first, then follows the new format", () => {
  const rs = new Resampler(lib, { sampleRate: 48000, channels: 2 });
  const parts: Float32Array[] = [];
  // 1 s at 44.1 kHz mono, 1 s at 48 kHz stereo (pass-through), 1 s at 32 kHz stereo.
  for (let i = 0; i < 44100; i += 1024)
    parts.push(rs.convert(sine(44100, 1, Math.min(1024, 44100 - i), 1000, i)));
  const before = parts.reduce((n, p) => n + p.length, 0) / 2 + rs.delay;
  for (let i = 0; i < 48000; i += 1024)
    parts.push(rs.convert(sine(48000, 2, Math.min(1024, 48000 - i), 1000, i)));
  for (let i = 0; i < 32000; i += 1024)
    parts.push(rs.convert(sine(32000, 2, Math.min(1024, 32000 - i), 1000, i)));
  parts.push(rs.flush());
  const out = concatF32(parts);
  assert.ok(Math.abs(before - 48000) <= 1, `first second: ${before}`);
  assert.ok(Math.abs(out.length / 2 - 3 * 48000) <= 2, `${out.length / 2} samples for 3 s`);
  assert.equal(rs.configurations, 3);
  assert.equal(rs.errors, 0);
  for (const s of [0, 1, 2]) {
    const x = channel(out, 2, 0).subarray(s * 48000 + 4800, (s + 1) * 48000 - 4800);
    assert.ok(Math.abs(zeroCrossingHz(x, 48000) - 1000) < 0.5, `second ${s}: ${zeroCrossingHz(x, 48000)} Hz`);
  }
  rs.close();
});

void test("swr's defaults: Kaiser-windowed sinc, 32 taps, 1024 phases interpolated, exact rational", () => {
  const rs = new Resampler(lib, { sampleRate: 48000, channels: 2 });
  rs.convert(sine(44100, 2, 1024, 1000));
  // SWR_ENGINE_SWR 0, SWR_FILTER_TYPE_KAISER 2 (swresample.h).
  assert.deepEqual(rs.filterSettings(), {
    resampler: 0,
    filter_type: 2,
    filter_size: 32,
    phase_shift: 10,
    linear_interp: 1,
    exact_rational: 1,
  });
  rs.close();
});

void test("stereo to mono is swr's default downmix, (L + R) / sqrt 2, at the new rate", () => {
  const rs = new Resampler(lib, { sampleRate: 44100, channels: 1 });
  const out = concatF32([0, 1, 2, 3].map((k) => rs.convert(sine(48000, 2, 12000, 1000, k * 12000))));
  const x = out.subarray(4410, -4410);
  const peak = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(Math.abs(peak - 0.125 * Math.SQRT2) < 0.002, `peak ${peak}`);
  assert.ok(Math.abs(zeroCrossingHz(x, 44100) - 1000) < 0.5);
  rs.close();
});

void test("close() is idempotent and frees the converter", () => {
  const rs = new Resampler(lib, { sampleRate: 48000, channels: 1 });
  rs.convert(sine(44100, 2, 1024, 1000));
  rs.close();
  rs.close();
  assert.equal(rs.delay, 0);
});
