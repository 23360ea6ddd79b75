import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AudioDecoder, type DecoderCodec } from "../../src/decode/audio-decoder.js";
import { loadLibav } from "../../src/decode/libav-check.js";
import type { Libav } from "../../src/decode/libav.js";
import { toneShare } from "../helpers/audio.js";
import { channel, esFrames, scratch, seededBytes } from "./libav-fixtures.js";

let lib: Libav;
const tmp = scratch();
before(() => {
  lib = loadLibav();
});
after(() => tmp.done());

/** Header bytes kept when the payload is replaced (ADTS 7, MPEG audio 4, AC-3 syncinfo + bsid). */
const HEADER: Record<DecoderCodec, number> = { aac: 7, mp2: 4, mp3: 4, ac3: 8, eac3: 8 };
const SAMPLES: Record<DecoderCodec, number> = { aac: 1024, mp2: 1152, mp3: 1152, ac3: 1536, eac3: 1536 };
const SEEDS = 20;

/**
 * How many of SEEDS corrupt payloads behind a valid header libavcodec reports (with
 * err_detect=crccheck+explode). AC-3 and E-AC-3 carry CRCs; AAC's syntax leaves random bits
 * little chance; a layer III frame's few unchecked bits sometimes pass; an unprotected layer II
 * frame (ffmpeg's mp2 encoder writes no CRC) has no redundancy at all: any payload decodes.
 */
const MIN_DETECTED: Record<DecoderCodec, number> = {
  aac: SEEDS,
  mp2: 0,
  mp3: SEEDS - 4,
  ac3: SEEDS,
  eac3: SEEDS,
};

for (const codec of ["aac", "mp2", "mp3", "ac3", "eac3"] as const) {
  void test(`${codec}: random bytes, truncated frames, corrupt payloads: counted, no exception, the next frame decodes`, async () => {
    const { frames } = await esFrames(tmp.dir, { codec, rate: 48000, channels: 2, seconds: 2 });
    const dec = new AudioDecoder(lib, { errorBudget: 1000 });
    dec.open(codec);
    for (let i = 0; i < 10; i++) assert.equal(dec.decode(frames[i]!, i * 100).length, 1);
    let detected = 0;
    for (let s = 0; s < SEEDS; s++) {
      const f = frames[10 + s]!;
      const e0 = dec.errors;
      assert.deepEqual(dec.decode(seededBytes(s, 200 + 37 * s), 0), [], "random bytes");
      assert.deepEqual(dec.decode(f.subarray(0, f.length - 1 - s), 0), [], "truncated");
      assert.match(dec.lastError ?? "", /header says/);
      assert.equal(dec.errors, e0 + 2);
      const corrupt = Buffer.concat([
        f.subarray(0, HEADER[codec]),
        seededBytes(100 + s, f.length - HEADER[codec]),
      ]);
      const blocks = dec.decode(corrupt, 0);
      if (dec.errors > e0 + 2) detected++;
      else assert.equal(blocks[0]?.samples, SAMPLES[codec], "what is not detected still decodes to a frame");
      // The next valid frame decodes.
      const next = dec.decode(frames[40 + s]!, 7000 + s);
      assert.equal(next.length, 1, `after seed ${s}: ${dec.lastError}`);
      assert.deepEqual([next[0]!.samples, next[0]!.pts90k], [SAMPLES[codec], 7000 + s]);
    }
    assert.ok(detected >= MIN_DETECTED[codec], `${detected}/${SEEDS} corrupt payloads detected`);
    // Clean frames after all that (clear of the stream's silent end): the tone, no error.
    const e1 = dec.errors;
    const tail = frames.slice(-35, -10).flatMap((f, i) => dec.decode(f, i));
    assert.equal(dec.errors, e1);
    const x = channel(Float32Array.from(tail.slice(5).flatMap((b) => [...b.pcm])), 2, 0);
    assert.ok(toneShare(x, 1000, 48000) > 0.99, `tone share ${toneShare(x, 1000, 48000)}`);
    dec.close();
  });
}

void test("after errorBudget consecutive decoder errors the context is re-created; refusals don't count", async () => {
  const { frames } = await esFrames(tmp.dir, { codec: "ac3", rate: 48000, channels: 2, seconds: 1 });
  const dec = new AudioDecoder(lib, { errorBudget: 3 });
  dec.open("ac3");
  const corrupt = (s: number) =>
    Buffer.concat([frames[0]!.subarray(0, 8), seededBytes(s, frames[0]!.length - 8)]);
  for (let s = 0; s < 5; s++) dec.decode(frames[1]!.subarray(0, 100), 0); // refused before libavcodec
  assert.deepEqual([dec.errors, dec.consecutiveErrors, dec.resets], [5, 0, 0]);
  dec.decode(corrupt(1), 0);
  dec.decode(corrupt(2), 0);
  assert.deepEqual([dec.consecutiveErrors, dec.resets], [2, 0]);
  dec.decode(frames[2]!, 0); // a good frame clears the run
  assert.equal(dec.consecutiveErrors, 0);
  for (let s = 3; s < 6; s++) dec.decode(corrupt(s), 0);
  assert.deepEqual([dec.errors, dec.consecutiveErrors, dec.resets], [10, 0, 1]);
  const b = dec.decode(frames[3]!, 4242);
  assert.deepEqual([b.length, b[0]?.samples, b[0]?.pts90k], [1, 1536, 4242], "the new context decodes");
  dec.close();
});

void test("size limits: an empty frame and one beyond the limit are refused with a reason", async () => {
  const { frames } = await esFrames(tmp.dir, { codec: "aac", rate: 48000, channels: 2, seconds: 0.2 });
  const dec = new AudioDecoder(lib, { maxFrameBytes: 512 });
  dec.open("aac");
  assert.deepEqual(dec.decode(new Uint8Array(0), 0), []);
  assert.match(dec.lastError ?? "", /0 bytes refused/);
  assert.deepEqual(dec.decode(Buffer.concat([frames[0]!, Buffer.alloc(600)]), 0), []);
  assert.match(dec.lastError ?? "", /refused \(limit 512\)/);
  assert.equal(dec.errors, 2);
  assert.equal(dec.decode(frames[1]!, 0).length, 1);
  dec.close();
});

void test("a frame of another codec is refused by its header, not fed to the decoder", async () => {
  const ac3 = await esFrames(tmp.dir, { codec: "ac3", rate: 48000, channels: 2, seconds: 0.2 });
  const dec = new AudioDecoder(lib);
  dec.open("aac");
  assert.deepEqual(dec.decode(ac3.frames[0]!, 0), []);
  assert.match(dec.lastError ?? "", /not an ADTS frame/);
  assert.equal(dec.consecutiveErrors, 0);
  dec.close();
});

void test("lifecycle: close() twice, close() before open(), misuse throws a clear error", async () => {
  const { frames } = await esFrames(tmp.dir, { codec: "mp2", rate: 48000, channels: 2, seconds: 0.2 });
  const never = new AudioDecoder(lib);
  assert.throws(() => never.decode(frames[0]!, 0), /decode\(\) before open\(\)/);
  never.close();
  never.close();
  const dec = new AudioDecoder(lib);
  dec.open("mp2");
  assert.equal(dec.decode(frames[0]!, 0).length, 1);
  dec.close();
  dec.close();
  assert.throws(() => dec.decode(frames[1]!, 0), /after close\(\)/);
  assert.throws(() => dec.flush(), /after close\(\)/);
  assert.throws(() => dec.open("mp2"), /after close\(\)/);
});
