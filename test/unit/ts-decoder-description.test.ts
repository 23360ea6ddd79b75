/**
 * The in-process TS path names what it decodes NOW in the status (`srt.stream`): one connection
 * whose stream goes from AAC 44.1 kHz mono to AAC 48 kHz stereo (two ffmpeg runs back to back,
 * as a sender restarted with new settings) must read "48000 Hz 2 ch" afterwards, not keep the
 * first format's name because the codec stayed AAC.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SONAMES, bindLibav } from "../../src/decode/libav.js";
import { TsDecoder } from "../../src/input/stream/ts-decoder.js";
import { ffmpegOut } from "../helpers/ts-fixtures.js";

const part = (rate: number, channels: number) =>
  ffmpegOut([
    "-f",
    "lavfi",
    "-i",
    `sine=f=440:r=${rate}:d=2`,
    "-ac",
    String(channels),
    "-c:a",
    "aac",
    "-f",
    "mpegts",
    "-",
  ]);

void test("the stream description follows a rate and layout change of the same codec", async () => {
  const [first, second] = await Promise.all([part(44100, 1), part(48000, 2)]);
  const seen: string[] = [];
  let frames = 0;
  const dec = new TsDecoder({
    sink: {
      audio: () => {
        frames++;
        if (seen.at(-1) !== dec.description) seen.push(dec.description);
      },
      discontinuity: () => assert.fail("no change of decoder expected"),
      arrivalPos: () => 0,
      problem: () => undefined,
    },
    format: { sampleRate: 48000, channels: 2 },
    lib: bindLibav(),
    fallback: (reason) => assert.fail(`fell back to ffmpeg: ${reason}`),
  });
  try {
    dec.push(first);
    assert.equal(dec.description, "MPEG-TS AAC 44100 Hz 1 ch");
    dec.push(second);
    assert.ok(frames > 0, "audio decoded");
    assert.equal(dec.description, "MPEG-TS AAC 48000 Hz 2 ch");
    assert.deepEqual(seen, ["MPEG-TS AAC 44100 Hz 1 ch", "MPEG-TS AAC 48000 Hz 2 ch"]);
  } finally {
    await dec.close();
  }
});

void test("without libavcodec an AC-3 stream goes to an ffmpeg process, with the reason and the bytes so far; AAC stays in-process", async () => {
  const ac3 = await ffmpegOut([
    "-f",
    "lavfi",
    "-i",
    "sine=f=440:r=48000:d=1",
    "-ac",
    "2",
    "-c:a",
    "ac3",
    "-f",
    "mpegts",
    "-",
  ]);
  const aac = await part(48000, 2);
  const lib = bindLibav({ ...SONAMES, avcodec: "libavcodec.so.1" });
  const decoded = { aac: 0, ac3: 0 };
  const fallbacks: { reason: string; head: number }[] = [];
  const make = (kind: "aac" | "ac3") =>
    new TsDecoder({
      sink: {
        audio: () => void decoded[kind]++,
        discontinuity: () => undefined,
        arrivalPos: () => 0,
        problem: () => undefined,
      },
      format: { sampleRate: 48000, channels: 2 },
      lib,
      fallback: (reason, head) => fallbacks.push({ reason, head: head.reduce((n, b) => n + b.length, 0) }),
    });
  const a = make("ac3");
  const b = make("aac");
  try {
    a.push(ac3);
    b.push(aac);
    assert.equal(fallbacks.length, 1, JSON.stringify(fallbacks));
    assert.match(
      fallbacks[0]!.reason,
      /no in-process ac3 decoder: .*cannot load libavcodec\.so\.1 .*libavcodec59/,
    );
    assert.equal(fallbacks[0]!.head, ac3.length, "everything received so far, to replay");
    assert.match(a.description, /via ffmpeg/);
    assert.equal(decoded.ac3, 0);
    assert.ok(decoded.aac > 0, "AAC decoded without libavcodec");
  } finally {
    await a.close();
    await b.close();
  }
});
