import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import type { DecoderCodec } from "../../src/decode/audio-decoder.js";
import { frameProblem } from "../../src/decode/frame-header.js";
import { makeEs, scratch, splitFrames } from "./libav-fixtures.js";

const tmp = scratch();
after(() => tmp.done());

/** A frame of `bytes` whose first bytes are `head`. */
const frame = (head: number[], bytes: number) =>
  Buffer.concat([Buffer.from(head), Buffer.alloc(bytes - head.length)]);

/** ADTS header (no CRC) declaring `length` bytes. */
const adts = (length: number) => [
  0xff,
  0xf1,
  0x4c,
  0x80 | (length >> 11),
  (length >> 3) & 0xff,
  ((length & 7) << 5) | 0x1f,
  0xfc,
];

void test("ADTS: the 13-bit frame length must match", () => {
  assert.equal(frameProblem("aac", frame(adts(371), 371)), null);
  assert.match(frameProblem("aac", frame(adts(371), 300)) ?? "", /ADTS header says 371 bytes, got 300/);
  assert.match(frameProblem("aac", frame([0x0b, 0x77, 0, 0, 0, 0, 0], 300)) ?? "", /not an ADTS frame/);
});

void test("MPEG audio: layer II/III lengths from bitrate, rate and padding; free format passes", () => {
  // MPEG-1 layer II, 192 kbit/s, 48 kHz: 144 * 192000 / 48000 = 576.
  assert.equal(frameProblem("mp2", frame([0xff, 0xfd, 0xa4, 0xc4], 576)), null);
  assert.match(frameProblem("mp2", frame([0xff, 0xfd, 0xa4, 0xc4], 575)) ?? "", /says 576 bytes, got 575/);
  // MPEG-1 layer III, 128 kbit/s, 44.1 kHz, padded: 417 + 1.
  assert.equal(frameProblem("mp3", frame([0xff, 0xfb, 0x92, 0x64], 418)), null);
  // MPEG-2 layer III, 64 kbit/s, 22.05 kHz: 72 * 64000 / 22050 = 208.
  assert.equal(frameProblem("mp3", frame([0xff, 0xf3, 0x80, 0xc4], 208)), null);
  // Free format (bitrate index 0): no length in the header, any length passes.
  assert.equal(frameProblem("mp3", frame([0xff, 0xfb, 0x00, 0x64], 999)), null);
  assert.match(frameProblem("mp2", frame([0xff, 0xfd, 0xf4, 0xc4], 576)) ?? "", /reserved/);
  assert.match(frameProblem("mp2", frame([0xff, 0xfd, 0xac, 0xc4], 576)) ?? "", /reserved/);
});

void test("AC-3 / E-AC-3: syncframe sizes, several E-AC-3 substreams in one access unit", () => {
  // AC-3 48 kHz, frmsizecod 20 (192 kbit/s): 384 words. 44.1 kHz, frmsizecod 1 (32 kbit/s, odd): 70 words.
  assert.equal(frameProblem("ac3", frame([0x0b, 0x77, 0, 0, 0x14, 0x40], 768)), null);
  assert.equal(frameProblem("ac3", frame([0x0b, 0x77, 0, 0, 0x41, 0x40], 140)), null);
  assert.match(
    frameProblem("ac3", frame([0x0b, 0x77, 0, 0, 0x14, 0x40], 700)) ?? "",
    /says 768 bytes, got 700/,
  );
  // E-AC-3 (bsid 16), frmsiz 383: 768 bytes; an independent + a dependent substream back to back.
  const e = frame([0x0b, 0x77, 0x01, 0x7f, 0x3f, 0x80], 768);
  assert.equal(frameProblem("eac3", e), null);
  assert.equal(frameProblem("eac3", Buffer.concat([e, e])), null);
  assert.match(frameProblem("eac3", Buffer.concat([e, Buffer.alloc(10)])) ?? "", /10 stray bytes/);
  assert.match(frameProblem("ac3", frame([0x0b, 0x77, 0, 0, 0xc0, 0x40], 768)) ?? "", /reserved/);
});

const REAL: { codec: DecoderCodec; rate: number; bitrate?: string }[] = [
  { codec: "aac", rate: 44100 },
  { codec: "mp2", rate: 44100, bitrate: "160k" },
  { codec: "mp2", rate: 32000 },
  { codec: "mp3", rate: 44100 },
  { codec: "mp3", rate: 22050, bitrate: "64k" },
  { codec: "ac3", rate: 44100 },
  { codec: "ac3", rate: 32000 },
  { codec: "eac3", rate: 48000 },
];

for (const r of REAL) {
  void test(`every frame ffmpeg writes passes: ${r.codec} ${r.rate} Hz ${r.bitrate ?? ""}`, async () => {
    const file = await makeEs(tmp.dir, { ...r, channels: 2, seconds: 1 });
    const frames = splitFrames(r.codec, readFileSync(file));
    assert.ok(frames.length > 10);
    for (const [i, f] of frames.entries()) assert.equal(frameProblem(r.codec, f), null, `frame ${i}`);
  });
}
