import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32Mpeg2 } from "../../src/input/ts/crc32.js";
import {
  assertFramesMatchProbe,
  demux,
  ffmpegOut,
  packetsOnPid,
  prng,
  probedFrames,
  probePackets,
  sineTs,
} from "../helpers/ts-fixtures.js";
import { remux, type EsUnit } from "../helpers/ts-remux.js";

const view = (f: { data: Buffer; pts90k: number; ptsInterpolated: boolean }) => ({
  data: f.data,
  pts90k: f.pts90k,
  ptsInterpolated: f.ptsInterpolated,
});

for (const [name, codecArgs, streamType] of [
  ["AAC", ["-c:a", "aac"], 0x0f],
  ["MP2", ["-c:a", "mp2"], 0x03],
  ["AC-3", ["-c:a", "ac3"], 0x81],
] as const) {
  for (const unbounded of [false, true]) {
    test(`${name}: frames spanning PES boundaries, tiny PES without a frame start${unbounded ? ", PES_packet_length 0" : ""}`, async () => {
      const units = await probedFrames(await sineTs([...codecArgs], 2));
      const rnd = prng(unbounded ? 11 : 12);
      const frame = units[0]?.data.length ?? 0;
      // Mostly cuts anywhere within 2.5 frames, with 1-5 byte PES now and then.
      const { ts, expected } = remux(units, {
        pesSize: () => (rnd() < 0.2 ? 1 + Math.floor(rnd() * 5) : 1 + Math.floor(rnd() * 2.5 * frame)),
        streamType,
        unbounded,
      });
      assert.ok(expected.some((e) => !e.ptsInterpolated) && expected.some((e) => e.ptsInterpolated));
      const d = demux(ts, () => 1 + Math.floor(rnd() * 2000));
      assert.deepEqual(d.frames.map(view), expected);
      assert.deepEqual([d.stats.esBytesSkipped, d.stats.framesDropped, d.stats.pesDropped], [0, 0, 0]);
    });
  }
}

test("E-AC-3 dependent substreams belong to the frame before them", async () => {
  const units = await probedFrames(await sineTs(["-ac", "2", "-c:a", "eac3"], 1));
  // ffmpeg's encoder writes no dependent substreams (7.1 needs them): make one per frame by
  // copying the frame with strmtyp = 1, as a 7.1 encoder would follow each frame with one.
  const withDep: EsUnit[] = units.map((u) => {
    const dep = Buffer.from(u.data);
    dep[2] = ((dep[2] as number) & 0x3f) | 0x40;
    return { data: Buffer.concat([u.data, dep]), pts: u.pts };
  });
  const { ts, expected } = remux(withDep, { pesSize: () => 1000, streamType: 0x87 });
  const d = demux(ts);
  assert.deepEqual(d.frames.map(view), expected);
  assert.ok(d.frames.every((f) => f.samples === 1536 && f.codec === "eac3"));
});

test("a format change over one connection (AAC 44.1 kHz mono, then 48 kHz stereo): PTS jump and format change", async () => {
  const [a, b] = await Promise.all([
    sineTs(["-ar", "44100", "-ac", "1", "-c:a", "aac"], 3),
    sineTs(["-ar", "48000", "-ac", "2", "-c:a", "aac"], 2),
  ]);
  const [pa, pb] = await Promise.all([probePackets(a), probePackets(b)]);
  const d = demux(Buffer.concat([a, b]));
  assertFramesMatchProbe(d.frames, [...pa, ...pb], 0);
  assert.deepEqual(
    d.frames.map((f) => `${f.sampleRate}/${f.channels}`),
    [...pa.map(() => "44100/1"), ...pb.map(() => "48000/2")],
  );
  // ffmpeg writes identical PAT/PMT (version 0, same PIDs) in both files: no program change.
  assert.equal(d.programs.length, 1);
  assert.deepEqual(
    d.discontinuities.map((x) => [x.reason, x.pts90k]),
    [
      ["pts-jump", pb[0]?.pts],
      ["format-change", pb[0]?.pts],
    ],
  );
  assert.equal(d.stats.pesDropped, 0);
});

test("a new program (other PIDs and service id) re-selects: program event and program-change", async () => {
  const [a, b] = await Promise.all([
    sineTs(["-c:a", "mp2"], 2),
    sineTs(["-c:a", "aac"], 1, [
      "-mpegts_start_pid",
      "0x200",
      "-mpegts_pmt_start_pid",
      "0x1100",
      "-mpegts_service_id",
      "7",
    ]),
  ]);
  const [pa, pb] = await Promise.all([probePackets(a), probePackets(b)]);
  const d = demux(Buffer.concat([a, b]));
  assert.deepEqual(
    d.programs.map((p) => [p.programNumber, p.pmtPid, p.selected?.pid, p.selected?.codec]),
    [
      [1, 0x1000, 0x100, "mpeg-audio"],
      [7, 0x1100, 0x200, "aac"],
    ],
  );
  assert.deepEqual(
    d.discontinuities.map((x) => x.reason),
    ["program-change"],
    "a new program starts a new timeline: no PTS comparison across it",
  );
  assert.deepEqual(
    d.frames.map((f) => [f.codec, f.pts90k]),
    [...pa.map((p) => ["mp2", p.pts]), ...pb.map((p) => ["aac", p.pts])],
  );
});

test("PTS steps: > 1 s ahead is a jump; 0.5 s ahead is a gap; 0.5 s with discontinuity_indicator is a jump", async () => {
  const units = await probedFrames(await sineTs(["-c:a", "aac"], 2));
  const shifted = (step: number, from: number) =>
    units.map((u, i) => ({ data: u.data, pts: u.pts + (i >= from ? step : 0) }));
  const pesOf = (frames: number) => () => frames; // whole frames per PES: see below
  const frameBytes = units[0]?.data.length ?? 0;
  assert.ok(units.every((u) => u.data.length > 0) && frameBytes > 0);
  // One frame per PES, so every frame carries its PTS and the step lands exactly at frame 40.
  const perFrame = (u: EsUnit[], disc?: Set<number>) =>
    remux(u, { pesSize: (i) => u[i]?.data.length ?? 1, streamType: 0x0f, discontinuityAt: disc });
  const big = demux(perFrame(shifted(2 * 90000, 40)).ts);
  assert.deepEqual(
    big.discontinuities.map((x) => [x.reason, x.pts90k, x.expectedPts90k]),
    [["pts-jump", (units[40]?.pts ?? 0) + 180000, units[40]?.pts]],
  );
  const gap = demux(perFrame(shifted(45000, 40)).ts);
  assert.deepEqual(gap.discontinuities, []);
  assert.equal(gap.frames[40]?.pts90k, (units[40]?.pts ?? 0) + 45000, "a gap stays a gap");
  const marked = demux(perFrame(shifted(45000, 40), new Set([40])).ts);
  assert.deepEqual(
    marked.discontinuities.map((x) => x.reason),
    ["pts-jump"],
  );
  assert.equal(pesOf(1)(), 1);
});

test("PTS going backwards by more than half a frame is a jump", async () => {
  const units = await probedFrames(await sineTs(["-c:a", "aac"], 1));
  const back = units.map((u, i) => ({ data: u.data, pts: u.pts - (i >= 20 ? 1200 : 0) }));
  const { ts } = remux(back, { pesSize: (i) => back[i]?.data.length ?? 1, streamType: 0x0f });
  const d = demux(ts);
  assert.deepEqual(
    d.discontinuities.map((x) => [x.reason, x.pts90k]),
    [["pts-jump", (units[20]?.pts ?? 0) - 1200]],
  );
});

test("AAC in LATM (stream type 0x11) is reported unsupported, so the caller can fall back to ffmpeg", async () => {
  const ts = await sineTs(["-c:a", "aac"], 1, ["-mpegts_flags", "latm"]);
  const d = demux(ts);
  assert.equal(d.programs[0]?.selected?.streamType, 0x11);
  assert.equal(d.programs[0]?.supported, false);
  assert.deepEqual(
    d.errors.map((e) => e.code),
    ["unsupported-stream"],
  );
  assert.equal(d.frames.length, 0);
});

test("two audio streams: the first one (ffmpeg -map 0:a:0) is selected; a program without audio says so", async () => {
  const two = await ffmpegOut([
    ...["-f", "lavfi", "-i", "sine=f=440:r=48000:d=1", "-f", "lavfi", "-i", "sine=f=880:r=48000:d=1"],
    ...["-map", "0:a", "-map", "1:a", "-c:a:0", "mp2", "-c:a:1", "aac", "-f", "mpegts", "-"],
  ]);
  const [probed, d] = [await probePackets(two), demux(two)];
  assert.equal(d.programs[0]?.streams.length, 2);
  assert.deepEqual(
    d.frames.map((f) => [f.codec, f.pts90k]),
    probed.map((p) => ["mp2", p.pts]),
  );
  const video = await ffmpegOut([
    "-f",
    "lavfi",
    "-i",
    "testsrc=d=0.3:s=64x64",
    "-c:v",
    "mpeg2video",
    "-f",
    "mpegts",
    "-",
  ]);
  const v = demux(video);
  assert.equal(v.programs[0]?.selected, null);
  assert.deepEqual(
    v.errors.map((e) => e.code),
    ["no-audio-stream"],
  );
});

/** A PMT section (with pointer field) for program 1 listing `streams` [type, pid]. */
function pmtPacket(version: number, streams: [number, number][], cc: number): Buffer {
  const body = Buffer.from([
    0xe1,
    0x00,
    0xf0,
    0x00,
    ...streams.flatMap(([t, pid]) => [t, 0xe0 | (pid >> 8), pid & 0xff, 0xf0, 0x00]),
  ]);
  const len = 5 + body.length + 4;
  const head = Buffer.from([
    0x02,
    0xb0 | (len >> 8),
    len & 0xff,
    0x00,
    0x01,
    0xc1 | (version << 1),
    0x00,
    0x00,
  ]);
  const section = Buffer.concat([head, body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32Mpeg2(section));
  const pkt = Buffer.alloc(188, 0xff);
  Buffer.from([0x47, 0x50, 0x00, 0x10 | cc, 0x00]).copy(pkt);
  Buffer.concat([section, crc]).copy(pkt, 5);
  return pkt;
}

test("new PMT versions: same audio stream → program event only; other audio PID → program-change", async () => {
  const ts = await sineTs(["-c:a", "aac"], 2);
  const clean = demux(ts);
  const pmts = packetsOnPid(ts, 0x1000);
  const at = (pmts[3] as number) * 188;
  const cc = ((ts[at + 3] as number) + 1) & 0x0f; // follows the PMT packet it is inserted after
  const insert = (pkt: Buffer) => {
    const out = Buffer.concat([ts.subarray(0, at + 188), pkt, ts.subarray(at + 188)]);
    // The muxer's following PMT packets now repeat a CC: shift them by one to stay continuous.
    for (const i of pmts.slice(4))
      out[(i + 1) * 188 + 3] =
        ((out[(i + 1) * 188 + 3] as number) & 0xf0) | (((out[(i + 1) * 188 + 3] as number) + 1) & 0x0f);
    return out;
  };
  const same = demux(
    insert(
      pmtPacket(
        1,
        [
          [0x0f, 0x100],
          [0x06, 0x300],
        ],
        cc,
      ),
    ),
  );
  assert.equal(same.programs.length, 3, "v0, v1 with a data stream added, then the muxer's v0 again");
  assert.deepEqual(same.discontinuities, []);
  assert.deepEqual(same.frames, clean.frames);
  const other = demux(
    insert(
      pmtPacket(
        1,
        [
          [0x03, 0x101],
          [0x0f, 0x100],
        ],
        cc,
      ),
    ),
  );
  assert.deepEqual(
    other.discontinuities.map((x) => x.reason),
    ["program-change", "program-change"],
  );
  assert.deepEqual(
    other.programs.map((p) => p.selected?.pid),
    [0x100, 0x101, 0x100],
  );
  assert.ok(other.frames.length < clean.frames.length && other.frames.length > 0);
  assert.equal(other.stats.ccErrors, 0);
});

test("lost sync inside the elementary stream: junk is skipped to the next valid frame", async () => {
  const units = await probedFrames(await sineTs(["-c:a", "aac"], 2));
  const rnd = prng(31);
  // 0xFF-free junk cannot hold an ADTS sync word: nothing in it may pass as a frame.
  const junk = (n: number): EsUnit => ({
    data: Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 255))),
    pts: 0,
    junk: true,
  });
  const withJunk: EsUnit[] = units.flatMap((u, i) => (i % 25 === 10 ? [u, junk(37 + i)] : [u]));
  const junkBytes = withJunk.filter((u) => u.junk).reduce((n, u) => n + u.data.length, 0);
  // One PES per unit: every frame's end is confirmed by its PES end, so every frame survives.
  const aligned = remux(withJunk, { pesSize: (i) => withJunk[i]?.data.length ?? 1, streamType: 0x0f });
  const d = demux(aligned.ts);
  assert.deepEqual(d.frames.map(view), aligned.expected);
  assert.equal(d.stats.esBytesSkipped, junkBytes);
  assert.equal(
    d.errors.filter((e) => e.code === "es-sync-lost").length,
    withJunk.filter((u) => u.junk).length,
  );
  // Cut anywhere: a frame followed by junk inside a PES has no confirmed end and is dropped, and
  // frames after junk wait for the next PES PTS (skipped bytes could have held any number of
  // frames). Every frame that is emitted is one of the real frames, with its real time.
  const cut = remux(withJunk, { pesSize: () => 1 + Math.floor(rnd() * 900), streamType: 0x0f });
  const c = demux(cut.ts);
  const want = new Map(cut.expected.map((e) => [e.pts90k, e.data]));
  for (const f of c.frames) assert.deepEqual(f.data, want.get(f.pts90k), `frame at ${f.pts90k}`);
  const junks = withJunk.filter((u) => u.junk).length;
  assert.ok(
    c.frames.length >= cut.expected.length - 6 * junks,
    `${c.frames.length} of ${cut.expected.length}`,
  );
});

test("a PMT section spanning three packets (long descriptors) is reassembled", async () => {
  const units = await probedFrames(await sineTs(["-c:a", "aac"], 1));
  // program_info: a 255-byte private descriptor twice; then a data stream and the audio stream.
  const info = Buffer.concat([
    Buffer.from([0x80, 255]),
    Buffer.alloc(255, 0x55),
    Buffer.from([0x81, 255]),
    Buffer.alloc(255, 0xaa),
  ]);
  const streams = Buffer.from([0x06, 0xe3, 0x00, 0xf0, 0x00, 0x0f, 0xe1, 0x00, 0xf0, 0x00]);
  const body = Buffer.concat([
    Buffer.from([0xe1, 0x00, 0xf0 | (info.length >> 8), info.length & 0xff]),
    info,
    streams,
  ]);
  const len = 5 + body.length + 4;
  const section = Buffer.concat([
    Buffer.from([0x02, 0xb0 | (len >> 8), len & 0xff, 0x00, 0x01, 0xc1, 0x00, 0x00]),
    body,
  ]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32Mpeg2(section));
  const pmt = Buffer.concat([Buffer.from([0]), section, crc]);
  assert.ok(pmt.length > 2 * 184);
  const { ts, expected } = remux(units, { pesSize: () => 700, streamType: 0x0f, pmt });
  const d = demux(ts);
  assert.deepEqual(
    d.programs[0]?.streams.map((s) => [s.pid, s.kind]),
    [
      [0x300, "other"],
      [0x100, "audio"],
    ],
  );
  assert.deepEqual(d.frames.map(view), expected);
  assert.deepEqual([d.stats.crcErrors, d.stats.ccErrors], [0, 0]);
});

test("a continuity jump marked by discontinuity_indicator is no error; unmarked, it is a hole", async () => {
  const units = await probedFrames(await sineTs(["-c:a", "aac"], 1));
  const jump = { pesSize: () => 500, streamType: 0x0f, ccJumpAt: new Set([5]) };
  const marked = remux(units, { ...jump, discontinuityAt: new Set([5]) });
  const m = demux(marked.ts);
  assert.deepEqual(m.frames.map(view), marked.expected);
  assert.deepEqual([m.stats.ccErrors, m.stats.pesDropped], [0, 0]);
  assert.deepEqual(m.discontinuities, [], "the PTS continue: no new time base after all");
  // Unmarked: packets may have been lost between PES 4 and 5, so the frame spanning them is
  // dropped (nothing is built across a hole); PES 5's own PTS places the frames after it.
  const plain = remux(units, jump);
  const p = demux(plain.ts);
  let at = 0;
  const spanning = units.findIndex((u) => (at += u.data.length) > 2500 && at - u.data.length < 2500);
  assert.ok(spanning > 0);
  assert.deepEqual(
    p.frames.map(view),
    plain.expected.filter((_, i) => i !== spanning),
  );
  assert.deepEqual([p.stats.ccErrors, p.stats.pesDropped, p.stats.framesDropped], [1, 0, 1]);
});
