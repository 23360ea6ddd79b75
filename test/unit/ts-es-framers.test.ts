import assert from "node:assert/strict";
import { test } from "node:test";
import { ac3FrameWords } from "../../src/input/ts/ac3.js";
import { parseAc3Family, parseAdts, parseMpegAudio } from "../../src/input/ts/es-framers.js";
import {
  HEADER_INVALID,
  HEADER_NEED_MORE,
  newHeader,
  readHeader,
  type HeaderParser,
} from "../../src/input/ts/frame-header.js";
import { ffmpegOut, probePackets, probeStream } from "../helpers/ts-fixtures.js";

interface Case {
  name: string;
  encoder: string;
  format: string;
  rate: number;
  channels: number;
  parse: HeaderParser;
  codec: string;
  samples: number;
}

const CASES: Case[] = [
  {
    name: "ADTS 48 kHz stereo",
    encoder: "aac",
    format: "adts",
    rate: 48000,
    channels: 2,
    parse: parseAdts,
    codec: "aac",
    samples: 1024,
  },
  {
    name: "ADTS 44.1 kHz mono",
    encoder: "aac",
    format: "adts",
    rate: 44100,
    channels: 1,
    parse: parseAdts,
    codec: "aac",
    samples: 1024,
  },
  {
    name: "ADTS 22.05 kHz 5.1",
    encoder: "aac",
    format: "adts",
    rate: 22050,
    channels: 6,
    parse: parseAdts,
    codec: "aac",
    samples: 1024,
  },
  {
    name: "MP2 48 kHz stereo",
    encoder: "mp2",
    format: "mp2",
    rate: 48000,
    channels: 2,
    parse: parseMpegAudio,
    codec: "mp2",
    samples: 1152,
  },
  {
    name: "MP2 44.1 kHz mono",
    encoder: "mp2",
    format: "mp2",
    rate: 44100,
    channels: 1,
    parse: parseMpegAudio,
    codec: "mp2",
    samples: 1152,
  },
  {
    name: "MP2 (MPEG-2) 24 kHz mono",
    encoder: "mp2",
    format: "mp2",
    rate: 24000,
    channels: 1,
    parse: parseMpegAudio,
    codec: "mp2",
    samples: 1152,
  },
  {
    name: "MP3 48 kHz stereo",
    encoder: "libmp3lame",
    format: "mp3",
    rate: 48000,
    channels: 2,
    parse: parseMpegAudio,
    codec: "mp3",
    samples: 1152,
  },
  {
    name: "MP3 (MPEG-2) 22.05 kHz",
    encoder: "libmp3lame",
    format: "mp3",
    rate: 22050,
    channels: 2,
    parse: parseMpegAudio,
    codec: "mp3",
    samples: 576,
  },
  {
    name: "MP3 (MPEG-2.5) 8 kHz mono",
    encoder: "libmp3lame",
    format: "mp3",
    rate: 8000,
    channels: 1,
    parse: parseMpegAudio,
    codec: "mp3",
    samples: 576,
  },
  {
    name: "AC-3 48 kHz stereo",
    encoder: "ac3",
    format: "ac3",
    rate: 48000,
    channels: 2,
    parse: parseAc3Family,
    codec: "ac3",
    samples: 1536,
  },
  {
    name: "AC-3 44.1 kHz stereo",
    encoder: "ac3",
    format: "ac3",
    rate: 44100,
    channels: 2,
    parse: parseAc3Family,
    codec: "ac3",
    samples: 1536,
  },
  {
    name: "AC-3 32 kHz mono",
    encoder: "ac3",
    format: "ac3",
    rate: 32000,
    channels: 1,
    parse: parseAc3Family,
    codec: "ac3",
    samples: 1536,
  },
  {
    name: "AC-3 48 kHz 5.1",
    encoder: "ac3",
    format: "ac3",
    rate: 48000,
    channels: 6,
    parse: parseAc3Family,
    codec: "ac3",
    samples: 1536,
  },
  {
    name: "E-AC-3 48 kHz stereo",
    encoder: "eac3",
    format: "eac3",
    rate: 48000,
    channels: 2,
    parse: parseAc3Family,
    codec: "eac3",
    samples: 1536,
  },
  {
    name: "E-AC-3 44.1 kHz 5.1",
    encoder: "eac3",
    format: "eac3",
    rate: 44100,
    channels: 6,
    parse: parseAc3Family,
    codec: "eac3",
    samples: 1536,
  },
  {
    name: "E-AC-3 32 kHz stereo",
    encoder: "eac3",
    format: "eac3",
    rate: 32000,
    channels: 2,
    parse: parseAc3Family,
    codec: "eac3",
    samples: 1536,
  },
];

function rawStream(c: Case): Promise<Buffer> {
  // -write_xing/-id3v2_version: a plain frame sequence, without the MP3 muxer's tag frames.
  const mp3 = c.format === "mp3" ? ["-write_xing", "0", "-id3v2_version", "0"] : [];
  const src = `sine=f=440:r=48000:d=1`;
  return ffmpegOut([
    "-f",
    "lavfi",
    "-i",
    src,
    "-ar",
    `${c.rate}`,
    "-ac",
    `${c.channels}`,
    "-c:a",
    c.encoder,
    ...mp3,
    "-f",
    c.format,
    "-",
  ]);
}

for (const c of CASES) {
  test(`header parser, ${c.name}: every frame real ffmpeg wrote has ffprobe's size, rate, channels and duration`, async () => {
    const data = await rawStream(c);
    const [packets, stream] = await Promise.all([probePackets(data), probeStream(data)]);
    assert.equal(stream.sampleRate, c.rate);
    assert.equal(stream.channels, c.channels);
    assert.ok(packets.length >= 5, `${packets.length} frames`);
    let off = 0;
    for (const [i, p] of packets.entries()) {
      const h = readHeader(c.parse, data, off);
      assert.ok(h, `frame ${i} at byte ${off}: no valid header`);
      assert.equal(h.length, p.size, `frame ${i} length`);
      assert.equal(h.codec, c.codec);
      assert.equal(h.sampleRate, stream.sampleRate);
      assert.equal(h.channels, stream.channels);
      assert.equal(h.samples, c.samples);
      // duration_time is printed to the microsecond, from 90 kHz ticks for raw AC-3 (floored).
      assert.ok(Math.abs(p.durationTime - h.samples / h.sampleRate) < 2e-5, `frame ${i} duration`);
      off += h.length;
    }
    assert.equal(off, data.length, "the frames tile the whole stream");
  });
}

test("a header cut short asks for more bytes; a broken one is invalid", () => {
  const h = newHeader();
  const adts = Buffer.from([0xff, 0xf1, 0x50, 0x80, 0x1b, 0x1f, 0xfc]);
  assert.equal(parseAdts(adts, 0, 4, h), HEADER_NEED_MORE);
  assert.equal(parseAdts(adts, 0, 7, h), 1);
  assert.equal(h.length, 0xd8);
  assert.equal(
    parseAdts(Buffer.from([0xff, 0xf7, 0, 0, 0, 0, 0]), 0, 7, h),
    HEADER_INVALID,
    "layer must be 00",
  );
  assert.equal(
    parseAdts(Buffer.from([0xff, 0xf1, 0x3c, 0x80, 0, 0x1f, 0xfc]), 0, 7, h),
    HEADER_INVALID,
    "sf index 15",
  );
  assert.equal(parseMpegAudio(Buffer.from([0xff, 0xfd, 0x00, 0x00]), 0, 4, h), HEADER_INVALID, "free format");
  assert.equal(
    parseMpegAudio(Buffer.from([0xff, 0xfd, 0xf0, 0x00]), 0, 4, h),
    HEADER_INVALID,
    "bitrate index 15",
  );
  assert.equal(
    parseMpegAudio(Buffer.from([0xff, 0xed, 0x90, 0x00]), 0, 4, h),
    HEADER_INVALID,
    "version 01 reserved",
  );
  assert.equal(
    parseAc3Family(Buffer.from([0x0b, 0x77, 0, 0, 0xc0, 0x40, 0x40]), 0, 7, h),
    HEADER_INVALID,
    "fscod 3",
  );
  assert.equal(
    parseAc3Family(Buffer.from([0x0b, 0x77, 0, 0, 0x26, 0x40, 0x40]), 0, 7, h),
    HEADER_INVALID,
    "frmsizecod 38",
  );
  assert.equal(parseAc3Family(Buffer.from([0x0b, 0x77]), 0, 2, h), HEADER_NEED_MORE);
});

test("MPEG-1 layer I (no ffmpeg encoder exists): 48 kHz 384 kbit/s, 44.1 kHz with padding", () => {
  // 0xFFFF: sync, MPEG-1, layer I, no CRC; bitrate index 12 = 384 kbit/s.
  const h = readHeader(parseMpegAudio, Buffer.from([0xff, 0xff, 0xc4, 0xc0]));
  assert.deepEqual(h && [h.codec, h.sampleRate, h.channels, h.samples, h.length], [
    "mp1",
    48000,
    1,
    384,
    384,
  ]);
  const p = readHeader(parseMpegAudio, Buffer.from([0xff, 0xff, 0xc2, 0x00]));
  // 12000 × 384 / 44100 = 104 slots + 1 padding slot, 4 bytes each.
  assert.deepEqual(p && [p.sampleRate, p.channels, p.length], [44100, 2, 420]);
});

test("AC-3 frame sizes follow A/52 table 5.18", () => {
  assert.deepEqual(
    [ac3FrameWords(0, 0), ac3FrameWords(0, 1), ac3FrameWords(1, 1), ac3FrameWords(0, 2)],
    [64, 69, 70, 96],
  );
  assert.deepEqual(
    [ac3FrameWords(37, 0), ac3FrameWords(36, 1), ac3FrameWords(37, 1), ac3FrameWords(37, 2)],
    [1280, 1393, 1394, 1920],
  );
});
