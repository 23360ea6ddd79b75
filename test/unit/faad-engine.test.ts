/**
 * The AAC engine's channel handling: faad's AAC order (centre first) to libav's native order with
 * its mask, and mono kept mono (faad outputs it as two channels).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AudioDecoder } from "../../src/decode/audio-decoder.js";
import { toNativeOrder } from "../../src/decode/faad-engine.js";
import { silentAdtsFrame } from "../../src/decode/silent-adts.js";
import { loadLibav } from "../../src/decode/libav-check.js";
import type { Libav } from "../../src/decode/libav.js";
import { Resampler } from "../../src/decode/resampler.js";
import { run } from "../helpers/proc.js";
import {
  channel,
  concatF32,
  esFrames,
  ffmpegDecode,
  maxAbsDiff,
  scratch,
  splitFrames,
  zeroCrossingHz,
} from "./libav-fixtures.js";
import { readFileSync } from "node:fs";

let lib: Libav;
const tmp = scratch();
before(() => {
  lib = loadLibav();
});
after(() => tmp.done());

void test("toNativeOrder: C L R BL BR LFE becomes FL FR FC LFE BL BR (mask 0x3f); unknown or repeated positions are left alone", () => {
  // Two frames of six channels; each value names its source channel.
  const pcm = Float32Array.from([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15]);
  assert.equal(toNativeOrder(pcm, 6, [1, 2, 3, 6, 7, 9]), 0x3fn);
  assert.deepEqual([...pcm], [1, 2, 0, 5, 3, 4, 11, 12, 10, 15, 13, 14]);
  const side = Float32Array.from([0, 1, 2, 3, 4]);
  assert.equal(toNativeOrder(side, 5, [1, 2, 3, 4, 5]), 0x607n);
  assert.deepEqual([...side], [1, 2, 0, 3, 4]);
  for (const positions of [
    [1, 2, 3, 0, 7, 9],
    [1, 2, 2, 6, 7, 9],
  ]) {
    const x = Float32Array.from([0, 1, 2, 3, 4, 5]);
    assert.equal(toNativeOrder(x, 6, positions), null);
    assert.deepEqual([...x], [0, 1, 2, 3, 4, 5]);
  }
});

void test("5.1 AAC: every channel where libav's native order puts it, as libavcodec decodes it, the mask with it", async () => {
  // ffmpeg's 5.1 is FL FR FC LFE BL BR; each input channel gets its own tone.
  const freqs = [300, 500, 700, 60, 900, 1100];
  const file = join(tmp.dir, "six.aac");
  const graph =
    freqs.map((f, i) => `sine=f=${f}:r=48000,volume=0.5[s${i}]`).join(";") +
    `;${freqs.map((_, i) => `[s${i}]`).join("")}join=inputs=6:channel_layout=5.1`;
  const r = await run(
    "ffmpeg",
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-filter_complex",
      graph,
      "-t",
      "1",
      "-c:a",
      "aac",
      "-b:a",
      "384k",
      "-f",
      "adts",
      file,
    ],
    { timeoutMs: 60_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  const frames = splitFrames("aac", readFileSync(file));
  const dec = new AudioDecoder(lib);
  dec.open("aac");
  const blocks = frames.flatMap((f, i) => dec.decode(f, i * 1920));
  dec.close();
  assert.equal(dec.errors, 0, `${dec.lastError}`);
  assert.ok(blocks.every((b) => b.channels === 6 && b.layoutMask === blocks[0]!.layoutMask));
  // faad reports channel configuration 6 as C L R BL BR LFE; libavcodec decodes it as 5.1 (back).
  assert.equal(blocks[0]!.layoutMask, 0x3fn);
  // Channel for channel what libavcodec (ffmpeg's CLI) decodes, in its order: six distinct tones,
  // so a swapped pair is a full-scale difference. (ffmpeg's encoder puts the first input in the
  // centre element; the reference decoder agrees, and so do we.)
  const reference = await ffmpegDecode(file);
  const pcm = concatF32(blocks.map((b) => b.pcm));
  assert.equal(pcm.length, reference.length);
  assert.ok(maxAbsDiff(pcm, reference) < 2e-3, `max |ours - ffmpeg| ${maxAbsDiff(pcm, reference)}`);
  const hz = freqs.map((_, ch) => Math.round(zeroCrossingHz(channel(pcm, 6, ch).subarray(4800), 48000)));
  assert.equal(new Set(hz.map((h) => Math.round(h / 50))).size, 6, `six distinct tones: ${hz}`);
});

void test("mono AAC stays mono; the resampler upmixes it like any mono input (-3 dB a side)", async () => {
  const { frames } = await esFrames(tmp.dir, { codec: "aac", rate: 48000, channels: 1, seconds: 1 });
  const dec = new AudioDecoder(lib);
  dec.open("aac");
  const blocks = frames.flatMap((f, i) => dec.decode(f, i * 1920));
  dec.close();
  assert.ok(blocks.length > 0 && blocks.every((b) => b.channels === 1 && b.pcm.length === b.samples));
  const rs = new Resampler(lib, { sampleRate: 48000, channels: 2 });
  const stereo = concatF32(blocks.slice(5).map((b) => rs.convert(b)));
  const mono = concatF32(blocks.slice(5).map((b) => b.pcm));
  rs.close();
  const rms = (x: Float32Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
  const db = 20 * Math.log10(rms(channel(stereo, 2, 0)) / rms(mono));
  assert.ok(Math.abs(db + 3.01) < 0.1, `left is ${db.toFixed(2)} dB of the mono signal`);
});

void test("silent ADTS frames: faad decodes one for every channel configuration 1-7 to silence; PCE-defined has none", () => {
  for (let config = 1; config <= 7; config++) {
    // An AAC-LC 48 kHz header with this channel configuration.
    const header = Uint8Array.from([0xff, 0xf1, 0x4c | (config >> 2), (config & 3) << 6, 0, 0x1f, 0xfc]);
    const silent = silentAdtsFrame(header);
    assert.ok(silent, `config ${config}`);
    assert.equal(
      ((silent[3]! & 3) << 11) | (silent[4]! << 3) | (silent[5]! >> 5),
      silent.length,
      "ADTS length",
    );
    const h = lib.faad.open();
    try {
      // faad announces mono as two channels (ready for parametric stereo; the engine folds it
      // back) and 7.1 as two (its decoded frames then carry 8, positions mostly unknown).
      assert.deepEqual(lib.faad.init(h, silent), {
        rate: 48000,
        channels: [2, 2, 3, 4, 5, 6, 2][config - 1],
      });
      for (let i = 0; i < 3; i++) {
        const f = lib.faad.decode(h, silent);
        assert.equal(f.error, 0, `config ${config}: ${lib.faad.errorMessage(f.error)}`);
        assert.equal(f.bytesConsumed, silent.length);
        const pcm = new Float32Array(f.values);
        lib.faad.copyOut(pcm, f.buffer);
        assert.ok(pcm.every((v) => v === 0));
        if (i > 0) assert.equal(f.values / f.channels, 1024);
      }
    } finally {
      lib.faad.close(h);
    }
  }
  assert.equal(silentAdtsFrame(Uint8Array.from([0xff, 0xf1, 0x4c, 0x00, 0, 0x1f, 0xfc])), null);
  assert.equal(silentAdtsFrame(Uint8Array.from([0x0b, 0x77, 0, 0, 0, 0, 0])), null);
});
