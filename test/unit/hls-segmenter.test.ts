import { test } from "node:test";
import assert from "node:assert/strict";
import {
  maxSegmentSamplesOf,
  segmentBoundary,
  segmentIndexOf,
  Segmenter,
  type Segment,
} from "../../src/output/hls/segmenter.js";
import { FeedStream } from "./hls-fixtures.js";

test("segment boundaries: first frame-grid pos at or after k·L", () => {
  const table: [l: number, f: number, k: number, b: number][] = [
    [192000, 1024, 0, 0],
    [192000, 1024, 1, 188 * 1024], // 187.5 frames → 188
    [192000, 1024, 2, 375 * 1024], // exactly 375
    [192000, 1024, 3, 563 * 1024],
    [192000, 1152, 1, 167 * 1152], // 166.67 → 167
    [192000, 1152, 3, 500 * 1152],
    [96000, 1024, 1, 94 * 1024],
    [176400, 1024, 1, 173 * 1024], // 44.1 kHz × 4 s = 172.27 frames
  ];
  for (const [l, f, k, b] of table) {
    assert.equal(segmentBoundary(k, l, f), b, `B(${k}) L=${l} F=${f}`);
    assert.equal(segmentIndexOf(b, l, f), k, `index of B(${k})`);
    if (b > 0) assert.equal(segmentIndexOf(b - f, l, f), k - 1, `index of the frame before B(${k})`);
  }
  assert.equal(maxSegmentSamplesOf(192000, 1024), 188 * 1024);
  assert.equal(maxSegmentSamplesOf(192000, 1152), 167 * 1152);
});

function collect(segSec = 4): { seg: Segmenter; out: Segment[]; restarts: { k: number; pos: number }[] } {
  const out: Segment[] = [];
  const restarts: { k: number; pos: number }[] = [];
  const seg = new Segmenter(48000, segSec, { segment: (s) => out.push(s), restart: (r) => restarts.push(r) });
  return { seg, out, restarts };
}

test("AAC variants get identical spans; a segment closes when the next one's first frame arrives", () => {
  const a = collect();
  const b = collect();
  const fa = new FeedStream("a", "aac", 32000, [Buffer.alloc(10)]);
  const fb = new FeedStream("b", "aac", 96000, [Buffer.alloc(30)]);
  a.seg.attach(fa);
  b.seg.attach(fb);
  fa.feed(0, 188);
  assert.equal(a.out.length, 0, "segment 0 still open until frame 188");
  fa.feed(188, 1000);
  fb.feed(0, 1000);
  assert.equal(a.out.length, 5);
  assert.deepEqual(
    a.out.map((s) => [s.k, s.startPos, s.endPos, s.durationSec]),
    b.out.map((s) => [s.k, s.startPos, s.endPos, s.durationSec]),
  );
  assert.deepEqual(
    a.out.map((s) => s.frames.length),
    [188, 187, 188, 187, 188],
  );
  assert.equal(a.out[0]?.durationSec, (188 * 1024) / 48000);
});

test("MP3 is cut on its own 1152 grid, within one frame of the AAC cut", () => {
  const m = collect();
  const fm = new FeedStream("m", "mp3", 128000, [Buffer.alloc(10)]);
  m.seg.attach(fm);
  fm.feed(0, 800);
  for (const s of m.out) {
    const aacStart = segmentBoundary(s.k, 192000, 1024);
    assert.equal(s.startPos % 1152, 0);
    assert.ok(Math.abs(s.startPos - aacStart) < 1152, `k=${s.k}`);
  }
  assert.deepEqual(
    m.out.map((s) => s.frames.length),
    [167, 167, 166, 167],
  );
});

test("restart: the open segment drops what the new encoder re-sends; the anchor is its start", () => {
  const c = collect();
  const f = new FeedStream("a", "aac", 96000, [Buffer.alloc(10)]);
  c.seg.attach(f);
  f.feed(0, 250); // segment 0 closed, segment 1 open with frames 188..249
  assert.equal(f.anchor(-1), 188 * 1024);
  f.restart(f.anchor(-1));
  assert.deepEqual(c.restarts, [{ k: 1, pos: 188 * 1024, reason: "test" }]);
  assert.equal(f.anchor(-1), -1, "nothing open after the whole segment was dropped");
  f.feed(188, 400);
  assert.equal(c.out.length, 2);
  assert.equal(c.out[1]?.frames.length, 187, "segment 1 whole, no duplicates");
  assert.equal(c.out[1]?.startPos, 188 * 1024);
});

test("restart before the open segment (another consumer's anchor) keeps closed segments closed", () => {
  const c = collect();
  const f = new FeedStream("a", "aac", 96000, [Buffer.alloc(10)]);
  c.seg.attach(f);
  f.feed(0, 250);
  f.restart(100 * 1024);
  assert.equal(c.restarts[0]?.k, 1);
  f.feed(100, 400); // frames 100..187 are already in segment 0: dropped
  assert.equal(c.out.length, 2);
  assert.equal(c.out[1]?.startPos, 188 * 1024);
  assert.equal(c.out[1]?.frames.length, 187);
  assert.equal(c.seg.droppedFrames, 88);
});

test("restart mid-segment (anchor not honoured) keeps the frames before the restart pos", () => {
  const c = collect();
  const f = new FeedStream("a", "aac", 96000, [Buffer.alloc(10)]);
  c.seg.attach(f);
  f.feed(0, 250);
  f.restart(220 * 1024);
  f.feed(220, 400);
  const s1 = c.out[1];
  assert.equal(s1?.frames.length, 187);
  assert.deepEqual(
    s1?.frames.map((x) => x.pos / 1024),
    Array.from({ length: 187 }, (_, i) => 188 + i),
  );
});

test("detach stops frames and the anchor", () => {
  const c = collect();
  const f = new FeedStream("a", "aac", 96000, [Buffer.alloc(10)]);
  const detach = c.seg.attach(f);
  f.feed(0, 10);
  detach();
  f.feed(10, 400);
  assert.equal(c.out.length, 0);
  assert.equal(f.anchor(-1), -1);
});
