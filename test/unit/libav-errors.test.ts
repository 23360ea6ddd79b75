import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AudioDecoder, type DecoderCodec } from "../../src/decode/audio-decoder.js";
import { Mpg123Engine } from "../../src/decode/mpg123-engine.js";
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
 * How many of SEEDS corrupt payloads behind a valid header are reported. AC-3 and E-AC-3 carry
 * CRCs (libavcodec, err_detect=crccheck+explode); libfaad2 rejects AAC's random syntax. An
 * unprotected layer II frame (ffmpeg's mp2 encoder writes no CRC) has no redundancy: libmpg123
 * decodes any payload, to noise at +10 to +17 dBFS, which AudioDecoder refuses as damage
 * (above +6 dBFS). A damaged layer III frame mostly decodes to silence in libmpg123 (not
 * reported, heard as a 24 ms gap) and sometimes to +90 dBFS values (refused the same way).
 */
const MIN_DETECTED: Record<DecoderCodec, number> = {
  aac: SEEDS,
  mp2: SEEDS - 2,
  mp3: 1,
  ac3: SEEDS,
  eac3: SEEDS,
};

/**
 * Good frames after a damaged one that may still be refused: MPEG audio's synthesis filterbank
 * carries ~512 samples of the damage into the next frame, which then peaks above +6 dBFS too.
 */
const AFTERMATH: Record<DecoderCodec, number> = { aac: 0, mp2: 1, mp3: 1, ac3: 0, eac3: 0 };

for (const codec of ["aac", "mp2", "mp3", "ac3", "eac3"] as const) {
  void test(`${codec}: random bytes, truncated frames, corrupt payloads: counted, no exception, the next frame decodes`, async () => {
    const { frames } = await esFrames(tmp.dir, { codec, rate: 48000, channels: 2, seconds: 2 });
    const dec = new AudioDecoder(lib, { errorBudget: 1000 });
    dec.open(codec);
    assert.equal(frames.slice(0, 10).flatMap((f, i) => dec.decode(f, i * 100)).length, 10);
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
      // The next valid frame decodes (or, for MPEG audio, the one after it).
      let next = dec.decode(frames[40 + s]!, 7000 + s);
      for (let k = 1; k <= AFTERMATH[codec] && next.length === 0; k++) {
        assert.match(dec.lastError ?? "", /damaged frame: decoded to a peak of \d+ dBFS/);
        next = dec.decode(frames[40 + s + k]!, 7000 + s);
      }
      assert.equal(next.length, 1, `after seed ${s}: ${dec.lastError}`);
      assert.deepEqual([next[0]!.samples, next[0]!.pts90k], [SAMPLES[codec], 7000 + s]);
    }
    assert.ok(detected >= MIN_DETECTED[codec], `${detected}/${SEEDS} corrupt payloads detected`);
    // Clean frames after all that (clear of the stream's silent end): the tone, no error.
    // A splice: layer III's first frame after it reads its bit reservoir from another frame.
    for (const f of frames.slice(-36 - AFTERMATH[codec], -36)) dec.decode(f, 0);
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
  assert.equal([0, 1].flatMap((i) => dec.decode(frames[i]!, i)).length, 2);
  dec.close();
  dec.close();
  assert.throws(() => dec.decode(frames[1]!, 0), /after close\(\)/);
  assert.throws(() => dec.flush(), /after close\(\)/);
  assert.throws(() => dec.open("mp2"), /after close\(\)/);
});

void test("an engine that throws: counted, replaced by a fresh one, the stream goes on; flush too", async () => {
  const { frames } = await esFrames(tmp.dir, { codec: "mp2", rate: 48000, channels: 2, seconds: 1 });
  let made = 0;
  let armed = false;
  const dec = new AudioDecoder(lib, {
    engines: {
      mp2: (l) => {
        made++;
        const real = new Mpg123Engine(l.mpg123);
        return {
          decode: (d, pts) => {
            if (armed) throw new Error("boom");
            return real.decode(d, pts);
          },
          flush: () => {
            if (armed) throw new Error("bang");
            return real.flush();
          },
          close: () => real.close(),
        };
      },
    },
  });
  dec.open("mp2");
  assert.equal(frames.slice(0, 5).flatMap((f, i) => dec.decode(f, i)).length, 5);
  armed = true;
  assert.deepEqual(dec.decode(frames[5]!, 5), []);
  assert.match(dec.lastError ?? "", /the mp2 decoder threw: boom/);
  assert.deepEqual([dec.errors, dec.resets, made], [1, 1, 2]);
  assert.deepEqual(dec.flush(), []);
  assert.match(dec.lastError ?? "", /threw on flush: bang/);
  armed = false;
  // A fresh engine (made on the next frame): mpg123's first frame waits for the second.
  const next = frames.slice(6, 9).flatMap((f, i) => dec.decode(f, 6000 + i));
  assert.deepEqual(
    next.map((b) => b.pts90k),
    [6000, 6001, 6002],
  );
  assert.deepEqual([dec.errors, made], [2, 3]);
  dec.close();
});
