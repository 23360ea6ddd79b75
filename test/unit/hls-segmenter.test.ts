import { test } from "node:test";
import assert from "node:assert/strict";
import { boundary, gridOf } from "../../src/output/hls/epoch-grid.js";
import { Segmenter, type Segment } from "../../src/output/hls/segmenter.js";
import { FeedStream } from "./hls-fixtures.js";

const AAC = gridOf(4, 48000, "aac");
const MP3 = gridOf(4, 48000, "mp3");
/** An even 4 s grid index of 2026: B(K) is on a 4 s mark and on the AAC frame grid. */
const K = 445_000_000;
/** Frame index (pos / 1024) of B(K). */
const I = (K * 192000) / 1024;

function collect(grid = AAC): { seg: Segmenter; out: Segment[]; restarts: { pos: number }[] } {
  const out: Segment[] = [];
  const restarts: { pos: number }[] = [];
  const seg = new Segmenter(grid, { segment: (s) => out.push(s), restart: (r) => restarts.push(r) });
  return { seg, out, restarts };
}

test("segments close when the next one's first frame arrives; AAC spans alternate 188/187 frames", () => {
  const a = collect();
  const b = collect();
  const fa = new FeedStream("a", "aac", 32000, [Buffer.alloc(10)]);
  const fb = new FeedStream("b", "aac", 96000, [Buffer.alloc(30)]);
  a.seg.attach(fa);
  b.seg.attach(fb);
  fa.feed(I, I + 188);
  assert.equal(a.out.length, 0, "segment K still open until frame 188");
  fa.feed(I + 188, I + 1000);
  fb.feed(I, I + 1000);
  assert.equal(a.out.length, 5);
  const spans = (c: { out: Segment[] }) =>
    c.out.map((s) => [s.k, s.startPos, s.endPos, s.durationSec, s.whole]);
  assert.deepEqual(spans(a), spans(b), "two AAC variants cut identically");
  assert.deepEqual(
    a.out.map((s) => s.frames.length),
    [188, 187, 188, 187, 188],
  );
  assert.deepEqual(
    a.out.map((s) => s.k),
    [K, K + 1, K + 2, K + 3, K + 4],
    "the sequence is the grid index",
  );
  for (const s of a.out) {
    assert.equal(s.startPos, boundary(AAC, s.k));
    assert.equal(s.whole, true);
  }
});

test("the first segment of a run (started inside it) is partial: not whole", () => {
  const c = collect();
  const f = new FeedStream("a", "aac", 96000, [Buffer.alloc(10)]);
  c.seg.attach(f);
  f.feed(I + 9, I + 188 + 187 + 1);
  assert.deepEqual(
    c.out.map((s) => [s.k, s.whole, s.frames.length]),
    [
      [K, false, 179],
      [K + 1, true, 187],
    ],
  );
});

test("MP3 is cut on its own 1152 grid, within one frame of the AAC cut", () => {
  const m = collect(MP3);
  const fm = new FeedStream("m", "mp3", 128000, [Buffer.alloc(10)]);
  m.seg.attach(fm);
  const first = boundary(MP3, K) / 1152;
  fm.feed(first, first + 800);
  for (const s of m.out) {
    assert.equal(s.startPos % 1152, 0);
    assert.ok(Math.abs(s.startPos - boundary(AAC, s.k)) < 1152, `k=${s.k}`);
    assert.equal(s.whole, true);
  }
  assert.deepEqual(m.out.map((s) => s.frames.length).sort(), [166, 167, 167, 167]);
});

test("restart: the open segment drops what the new encoder re-sends and stays whole", () => {
  const c = collect();
  const f = new FeedStream("a", "aac", 96000, [Buffer.alloc(10)]);
  c.seg.attach(f);
  f.feed(I, I + 250); // segment K closed, K+1 open with frames 188..249
  assert.equal(f.anchor(-1), (I + 188) * 1024);
  f.restart(f.anchor(-1));
  assert.deepEqual(c.restarts, [{ pos: (I + 188) * 1024, reason: "test" }]);
  assert.equal(f.anchor(-1), -1, "nothing open after the whole segment was dropped");
  f.feed(I + 188, I + 400);
  assert.equal(c.out.length, 2);
  assert.equal(c.out[1]?.frames.length, 187, "segment K+1 whole, no duplicates");
  assert.equal(c.out[1]?.whole, true);
});

test("restart before the open segment (an earlier anchor) keeps closed segments closed", () => {
  const c = collect();
  const f = new FeedStream("a", "aac", 96000, [Buffer.alloc(10)]);
  c.seg.attach(f);
  f.feed(I, I + 250);
  f.restart((I + 100) * 1024);
  f.feed(I + 100, I + 400); // frames 100..187 are already in segment K: dropped
  assert.equal(c.out.length, 2);
  assert.equal(c.out[1]?.startPos, (I + 188) * 1024);
  assert.equal(c.out[1]?.frames.length, 187);
  assert.equal(c.seg.droppedFrames, 88);
});

test("a timeline jump leaves the open segment partial and the new run's first one too", () => {
  const c = collect();
  const f = new FeedStream("a", "aac", 96000, [Buffer.alloc(10)]);
  c.seg.attach(f);
  f.feed(I, I + 250);
  f.restart((I + 700) * 1024); // re-anchored 450 frames (9.6 s) later
  f.feed(I + 700, I + 1200);
  assert.deepEqual(
    c.out.map((s) => [s.k - K, s.whole]),
    [
      [0, true],
      [1, false], // frames 188..249 only
      [3, false], // the run starts at frame 700, inside K+3 (563..750)
      [4, true],
      [5, true],
    ],
  );
});

test("detach stops frames and the anchor", () => {
  const c = collect();
  const f = new FeedStream("a", "aac", 96000, [Buffer.alloc(10)]);
  const detach = c.seg.attach(f);
  f.feed(I, I + 10);
  detach();
  f.feed(I + 10, I + 400);
  assert.equal(c.out.length, 0);
  assert.equal(f.anchor(-1), -1);
});
