import assert from "node:assert/strict";
import { test } from "node:test";
import { headerParserFor } from "../../src/input/ts/es-framers.js";
import { readHeader } from "../../src/input/ts/frame-header.js";
import { TsDemuxer } from "../../src/input/ts/ts-demuxer.js";
import type { EsFrame, StreamCodec } from "../../src/input/ts/ts-types.js";
import {
  demux,
  framesByPes,
  packetsOnPid,
  prng,
  probePackets,
  sineTs,
  unitStart,
  withoutPackets,
  type Demuxed,
  type ProbedPacket,
} from "../helpers/ts-fixtures.js";

const AUDIO_PID = 0x100; // ffmpeg's default first elementary PID

const key = (f: { pts90k: number } | ProbedPacket) => ("pts90k" in f ? f.pts90k : f.pts);

/** Audio packets of the PES starting at packet index `start` (up to the next unit start). */
function pesPackets(ts: Buffer, audio: number[], start: number): number[] {
  const from = audio.indexOf(start);
  const out = [start];
  for (let j = from + 1; j < audio.length && !unitStart(ts, audio[j] as number); j++)
    out.push(audio[j] as number);
  return out;
}

test("a lost packet drops exactly the frames of the PES it belonged to: middle, first or last packet", async () => {
  const ts = await sineTs(["-ac", "2", "-c:a", "aac", "-b:a", "192k"], 4);
  const probed = await probePackets(ts);
  const byPes = framesByPes(probed);
  const audio = packetsOnPid(ts, AUDIO_PID);
  const starts = audio.filter((i) => unitStart(ts, i));
  const pes = [starts[3], starts[6], starts[9]].map((s) => pesPackets(ts, audio, s as number));
  assert.ok(
    pes.every((p) => p.length >= 3),
    "PES of at least 3 packets",
  );
  const remove = [pes[0]?.[1], pes[1]?.[0], pes[2]?.at(-1)] as number[]; // middle, first, last
  const d = demux(withoutPackets(ts, remove));
  const lost = new Set(pes.flatMap((p) => byPes.get((p[0] as number) * 188) ?? []));
  assert.equal(lost.size > 0, true);
  const want = probed.filter((p) => !lost.has(p));
  assert.deepEqual(d.frames.map(key), want.map(key));
  assert.equal(d.stats.ccErrors, 3);
  assert.equal(d.stats.pesDropped, 3);
  assert.equal(d.stats.framesOut, want.length);
  assert.deepEqual(
    d.errors.map((e) => [e.code, e.pid]),
    [0, 0, 0].map(() => ["cc-error", AUDIO_PID]),
  );
  // Frames after a hole keep their own times: the hole stays a gap, nothing shifts.
  assert.ok(d.frames.every((f, i) => !f.ptsInterpolated || f.pts90k === want[i]?.pts));
});

test("duplicate packets (same CC twice) are ignored; a third copy is a continuity error", async () => {
  const ts = await sineTs(["-c:a", "aac"], 2);
  const clean = demux(ts);
  const audio = packetsOnPid(ts, AUDIO_PID);
  const dup = new Set([audio[5], audio[20], audio[21]]);
  const parts: Buffer[] = [];
  for (let i = 0; i * 188 < ts.length; i++) {
    const pkt = ts.subarray(i * 188, i * 188 + 188);
    parts.push(pkt);
    if (dup.has(i)) parts.push(pkt);
  }
  const d = demux(Buffer.concat(parts));
  assert.deepEqual(d.frames, clean.frames);
  assert.deepEqual([d.stats.duplicatePackets, d.stats.ccErrors], [3, 0]);
  const thrice = Buffer.concat([
    ts.subarray(0, (audio[5] as number) * 188 + 188),
    ts.subarray((audio[5] as number) * 188, (audio[5] as number) * 188 + 188),
    ts.subarray((audio[5] as number) * 188),
  ]);
  const t = demux(thrice);
  assert.deepEqual([t.stats.duplicatePackets, t.stats.ccErrors, t.stats.pesDropped], [1, 1, 1]);
});

test("garbage between packets is skipped and counted; every frame survives", async () => {
  const ts = await sineTs(["-c:a", "mp2"], 2);
  const clean = demux(ts);
  const rnd = prng(7);
  const parts: Buffer[] = [];
  let inserted = 0;
  const count = ts.length / 188;
  const at = new Set([3, Math.floor(count / 3), Math.floor(count / 2), count - 5]);
  for (let i = 0; i < count; i++) {
    parts.push(ts.subarray(i * 188, i * 188 + 188));
    if (!at.has(i)) continue;
    const junk = Buffer.from(
      Array.from({ length: 1 + Math.floor(rnd() * 400) }, () => Math.floor(rnd() * 256)),
    );
    parts.push(junk);
    inserted += junk.length;
  }
  const d = demux(Buffer.concat(parts));
  assert.deepEqual(d.frames, clean.frames);
  assert.equal(d.stats.garbageBytes, inserted);
  assert.equal(d.stats.syncLosses, at.size);
  assert.equal(d.stats.ccErrors, 0);
  assert.equal(d.errors.filter((e) => e.code === "sync-lost").length, at.size);
});

test("a sender restarted mid-packet: the cut packet is discarded, not glued to the next stream", async () => {
  const [a, b] = await Promise.all([sineTs(["-c:a", "aac"], 3), sineTs(["-c:a", "aac"], 2)]);
  const [pa, pb] = await Promise.all([probePackets(a), probePackets(b)]);
  const audio = packetsOnPid(a, AUDIO_PID);
  // Cut inside a packet in the middle of a PES of the first stream.
  const cutPacket = audio.find(
    (i, j) => j > 40 && !unitStart(a, i) && !unitStart(a, audio[j + 1] as number),
  ) as number;
  const cutAt = cutPacket * 188 + 100;
  const d = demux(Buffer.concat([a.subarray(0, cutAt), b]));
  // The first stream's frames up to the PES that was cut, then every frame of the second.
  const pesStart = [...audio].reverse().find((i) => i < cutPacket && unitStart(a, i)) as number;
  const firstLost = pa.findIndex((p) => p.pos === pesStart * 188);
  const want = [...pa.slice(0, firstLost), ...pb].map(key);
  assert.deepEqual(d.frames.map(key), want);
  assert.equal(d.stats.garbageBytes, 100, "the cut packet's 100 bytes");
  assert.equal(d.stats.syncLosses, 1);
  assert.deepEqual(
    d.discontinuities.map((x) => x.reason),
    ["pts-jump"],
    "the second stream starts its PTS again",
  );
  // Where the first stream stood: right after its last frame that was emitted.
  const last = pa[firstLost - 1] as ProbedPacket;
  assert.equal(d.discontinuities[0]?.expectedPts90k, last.pts + last.duration);
  assert.equal(d.discontinuities[0]?.pts90k, pb[0]?.pts);
});

test("bad CRC: a corrupted PAT is ignored and counted, the program carries on", async () => {
  const ts = await sineTs(["-c:a", "aac"], 2);
  const clean = demux(ts);
  const bad = Buffer.from(ts);
  const pats = packetsOnPid(ts, 0);
  assert.ok(pats.length >= 3);
  // Point a repeated PAT at another PMT PID without fixing its CRC: must change nothing.
  const at = (pats[2] as number) * 188 + 4 + 1 + 8 + 2;
  bad[at] = ((bad[at] as number) & 0xe0) | 0x03;
  const d = demux(bad);
  assert.deepEqual(d.frames, clean.frames);
  assert.equal(d.stats.crcErrors, 1);
  assert.equal(d.programs.length, 1);
  assert.deepEqual(
    d.errors.map((e) => [e.code, e.pid]),
    [["crc-error", 0]],
  );
});

test("bad CRC on the first PMT: the stream is picked up at the next PMT", async () => {
  const ts = await sineTs(["-c:a", "aac"], 2);
  const clean = demux(ts);
  const bad = Buffer.from(ts);
  const pmts = packetsOnPid(ts, 0x1000);
  const first = (pmts[0] as number) * 188;
  bad[first + 10] = (bad[first + 10] as number) ^ 0x01;
  const d = demux(bad);
  assert.equal(d.stats.crcErrors, 1);
  assert.equal(d.programs.length, 1);
  assert.ok(d.frames.length > 0 && d.frames.length < clean.frames.length);
  assert.deepEqual(d.frames, clean.frames.slice(clean.frames.length - d.frames.length));
});

test("204-byte packets (16 Reed-Solomon bytes each) are detected and demuxed, and reported once", async () => {
  const ts = await sineTs(["-c:a", "ac3"], 1);
  const clean = demux(ts);
  const rnd = prng(3);
  const parts: Buffer[] = [];
  for (let i = 0; i * 188 < ts.length; i++) {
    parts.push(
      ts.subarray(i * 188, i * 188 + 188),
      Buffer.from(Array.from({ length: 16 }, () => Math.floor(rnd() * 256))),
    );
  }
  const d = demux(Buffer.concat(parts), () => 1000);
  assert.deepEqual(d.frames, clean.frames);
  assert.equal(d.stats.packetSize, 204);
  assert.deepEqual(
    d.errors.map((e) => e.code),
    ["packet-size-204"],
  );
});

test("scrambled packets on the audio PID are a hole like a lost packet", async () => {
  const ts = await sineTs(["-c:a", "aac", "-b:a", "192k"], 2);
  const clean = demux(ts);
  const audio = packetsOnPid(ts, AUDIO_PID);
  const bad = Buffer.from(ts);
  const victim = audio[30] as number;
  bad[victim * 188 + 3] = (bad[victim * 188 + 3] as number) | 0x80;
  const d = demux(bad);
  assert.equal(d.stats.scrambledPackets, 1);
  assert.ok(d.frames.length < clean.frames.length);
  assert.ok(d.errors.some((e) => e.code === "scrambled"));
});

/** Every frame emitted is one whole valid frame of its stream's codec. */
function assertValidFrames(d: Demuxed, codec: StreamCodec): void {
  for (const f of d.frames) checkFrame(f, codec);
}

function checkFrame(f: EsFrame, codec: StreamCodec): void {
  const h = readHeader(headerParserFor(codec), f.data);
  assert.ok(h, "frame starts with a valid header");
  assert.equal(h.length, f.data.length, "frame is exactly its header's length");
  assert.ok(Number.isFinite(f.pts90k) && f.pts90k >= 0);
}

test("property: random bytes, truncations and bit flips never throw and never yield a bad frame", async () => {
  const ts = await sineTs(["-c:a", "aac"], 1, ["-muxrate", "200k"]);
  const rnd = prng(2024);
  const started = performance.now();
  for (let round = 0; round < 120; round++) {
    const noise = Buffer.from(
      Array.from({ length: 1 + Math.floor(rnd() * 5000) }, () => Math.floor(rnd() * 256)),
    );
    const flipped = Buffer.from(ts);
    const flips = 1 + Math.floor(rnd() * 60);
    for (let i = 0; i < flips; i++) {
      const at = Math.floor(rnd() * flipped.length);
      flipped[at] = (flipped[at] as number) ^ (1 << Math.floor(rnd() * 8));
    }
    const cut = Math.floor(rnd() * ts.length);
    const spliced = Buffer.concat([
      ts.subarray(0, cut),
      noise.subarray(0, 50),
      ts.subarray(Math.floor(rnd() * ts.length)),
    ]);
    for (const input of [noise, flipped, spliced, ts.subarray(0, cut)]) {
      const d = demux(input, () => 1 + Math.floor(rnd() * 3000));
      assertValidFrames(d, "aac");
    }
  }
  assert.ok(performance.now() - started < 20_000);
});

test("a listener that throws is counted and reported; demuxing goes on", async () => {
  const ts = await sineTs(["-c:a", "aac"], 1);
  let frames = 0;
  const errors: string[] = [];
  const dmx = new TsDemuxer({
    frame: () => {
      frames++;
      throw new Error("consumer bug");
    },
    error: (e) => errors.push(e.code),
  });
  dmx.push(ts);
  dmx.end();
  assert.ok(frames > 40);
  assert.equal(dmx.stats.framesOut, frames);
  assert.equal(dmx.stats.listenerErrors, frames);
  assert.equal(errors.filter((c) => c === "listener-threw").length, frames);
});
