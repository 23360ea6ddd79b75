import assert from "node:assert/strict";
import { test } from "node:test";
import { TsDemuxer } from "../../src/input/ts/ts-demuxer.js";
import {
  assertFramesMatchProbe,
  demux,
  probedFrames,
  prng,
  probePackets,
  probeStream,
  sineTs,
} from "../helpers/ts-fixtures.js";

interface Case {
  name: string;
  codecArgs: string[];
  muxArgs?: string[];
  streamType: number;
  /** ffprobe shows pre-wrap PTS as negative; the demuxer's unwrapped PTS are this much higher. */
  ptsOffset?: number;
}

const CASES: Case[] = [
  { name: "AAC 48 kHz stereo", codecArgs: ["-ac", "2", "-c:a", "aac"], streamType: 0x0f },
  { name: "AAC 44.1 kHz mono", codecArgs: ["-ar", "44100", "-ac", "1", "-c:a", "aac"], streamType: 0x0f },
  { name: "MP2 48 kHz stereo", codecArgs: ["-ac", "2", "-c:a", "mp2"], streamType: 0x03 },
  { name: "MP2 44.1 kHz mono", codecArgs: ["-ar", "44100", "-ac", "1", "-c:a", "mp2"], streamType: 0x03 },
  { name: "MP3 48 kHz", codecArgs: ["-c:a", "libmp3lame"], streamType: 0x03 },
  { name: "AC-3 (ATSC stream type 0x81)", codecArgs: ["-ac", "2", "-c:a", "ac3"], streamType: 0x81 },
  {
    name: "AC-3 (DVB 0x06 + AC-3 descriptor)",
    codecArgs: ["-c:a", "ac3"],
    muxArgs: ["-mpegts_flags", "system_b"],
    streamType: 0x06,
  },
  { name: "E-AC-3 (stream type 0x87)", codecArgs: ["-ac", "2", "-c:a", "eac3"], streamType: 0x87 },
  {
    name: "E-AC-3 (DVB 0x06 + E-AC-3 descriptor)",
    codecArgs: ["-c:a", "eac3"],
    muxArgs: ["-mpegts_flags", "system_b"],
    streamType: 0x06,
  },
  {
    name: "AAC, CBR 500 kbit/s with null packets",
    codecArgs: ["-c:a", "aac"],
    muxArgs: ["-muxrate", "500k"],
    streamType: 0x0f,
  },
  {
    name: "AAC, one frame per PES",
    codecArgs: ["-c:a", "aac"],
    muxArgs: ["-pes_payload_size", "0"],
    streamType: 0x0f,
  },
  {
    name: "AAC across the 33-bit PTS wrap",
    codecArgs: ["-c:a", "aac"],
    // 2^33 / 90000 ≈ 95443.7 s; ffmpeg's muxer adds its 1.4 s delay, so the wrap falls ~0.9 s in.
    muxArgs: ["-output_ts_offset", "95441"],
    streamType: 0x0f,
    ptsOffset: 2 ** 33,
  },
];

for (const c of CASES) {
  test(`${c.name}: frames, sizes, PTS and parameters equal what ffprobe reports`, async () => {
    const ts = await sineTs(c.codecArgs, 3, c.muxArgs);
    const [probed, stream, units] = await Promise.all([probePackets(ts), probeStream(ts), probedFrames(ts)]);
    const d = demux(ts);
    assert.equal(d.programs.length, 1);
    assert.equal(d.programs[0]?.selected?.streamType, c.streamType);
    assert.equal(d.programs[0]?.supported, true);
    assertFramesMatchProbe(d.frames, probed, c.ptsOffset ?? 0);
    d.frames.forEach((f, i) =>
      assert.ok(f.data.equals(units[i]?.data ?? Buffer.alloc(0)), `frame ${i} bytes`),
    );
    for (const f of d.frames) {
      assert.deepEqual(
        [f.codec, f.sampleRate, f.channels],
        [stream.codec, stream.sampleRate, stream.channels],
      );
    }
    for (let i = 1; i < d.frames.length; i++) {
      assert.ok((d.frames[i]?.pts90k ?? 0) > (d.frames[i - 1]?.pts90k ?? 0), "PTS strictly increase");
    }
    assert.deepEqual(d.discontinuities, []);
    assert.deepEqual(d.errors, []);
    const s = d.stats;
    assert.deepEqual(
      [s.ccErrors, s.crcErrors, s.pesDropped, s.framesDropped, s.syncLosses, s.garbageBytes],
      [0, 0, 0, 0, 0, 0],
    );
    assert.equal(s.framesOut, probed.length);
    assert.equal(s.bytesIn, ts.length);
    assert.equal(s.packets, ts.length / 188);
    if (c.muxArgs?.includes("-muxrate"))
      assert.ok(s.nullPackets > s.packets / 3, `${s.nullPackets} null packets`);
    if (c.ptsOffset) {
      const raw = d.frames.map((f) => f.pts90k % 2 ** 33);
      assert.ok(
        raw.some((r) => r < (raw[0] as number)),
        "the wire PTS wrapped inside the file",
      );
    }
  });
}

test("PCR: the last one on the PCR PID, in 90 kHz units, with the byte offset of its packet", async () => {
  const ts = await sineTs(["-c:a", "aac"], 1, ["-muxrate", "300k"]);
  const d = demux(ts);
  const pcrPid = d.programs[0]?.pcrPid as number;
  // Independent reading: the last packet on the PCR PID whose adaptation field has PCR_flag.
  let want: { pcr: number; at: number } | null = null;
  for (let at = 0; at < ts.length; at += 188) {
    const pid = (((ts[at + 1] as number) & 0x1f) << 8) | (ts[at + 2] as number);
    const hasAf = ((ts[at + 3] as number) & 0x20) !== 0;
    if (pid !== pcrPid || !hasAf || (ts[at + 4] as number) < 7 || !((ts[at + 5] as number) & 0x10)) continue;
    const b = ts.subarray(at + 6, at + 12);
    const base = b.readUInt32BE(0) * 2 + ((b[4] as number) >> 7);
    want = { pcr: base + ((((b[4] as number) & 1) << 8) | (b[5] as number)) / 300, at };
  }
  assert.ok(want, "ffmpeg wrote PCRs");
  const t = new TsDemuxer({});
  t.push(ts);
  t.end();
  assert.deepEqual(t.lastPcr, { pcr90k: want.pcr, byteOffset: want.at });
  assert.ok(d.frames.length > 0);
});

test("any chunking gives identical output: 1-byte pushes and seeded random chunks", async () => {
  const ts = await sineTs(["-c:a", "aac"], 0.5, ["-muxrate", "200k"]);
  const whole = demux(ts);
  assert.ok(whole.frames.length >= 20);
  const rnd = prng(42);
  const variants = [
    demux(ts, () => 1),
    demux(ts, () => 1 + Math.floor(rnd() * 700)),
    demux(ts, (i) => (i % 2 ? 187 : 189)),
  ];
  for (const v of variants) {
    assert.deepEqual(v.frames, whole.frames);
    assert.deepEqual(v.stats, whole.stats);
    assert.deepEqual(v.programs, whole.programs);
    assert.deepEqual(v.errors, whole.errors);
  }
});
