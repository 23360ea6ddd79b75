import { test } from "node:test";
import assert from "node:assert/strict";
import { gridOf, gridSegment } from "../../src/output/hls/epoch-grid.js";
import { EpochWindow, planRestore } from "../../src/output/hls/epoch-window.js";
import { parseSegmentName, renderMediaPlaylist, segmentName } from "../../src/output/hls/playlists.js";

const g = gridOf(4, 48000, "aac");
const K = 445_000_000; // a 4 s grid index of 2026
const uriOf = (k: number) =>
  segmentName({
    channel: "fip",
    codec: "aac",
    profile: "hifi",
    segmentSec: 4,
    sequence: k,
    pdtMs: gridSegment(g, k).pdtMs,
  });

test("a fresh window grows from its first segment; no leading gaps", () => {
  const w = new EpochWindow(g, 5, uriOf);
  assert.deepEqual(w.entries(), []);
  assert.deepEqual(w.add(K), []);
  assert.deepEqual(w.add(K + 1), []);
  const e = w.entries();
  assert.deepEqual(
    e.map((x) => [x.sequence, x.gap]),
    [
      [K, false],
      [K + 1, false],
    ],
  );
  assert.equal(e[0]?.uri, uriOf(K));
  assert.equal(e[0]?.pdtMs, gridSegment(g, K).pdtMs);
  assert.equal(e[1]?.durationSec, gridSegment(g, K + 1).durationSec);
});

test("missing sequences are listed as gaps with the grid's URI, EXTINF and PDT", () => {
  const w = new EpochWindow(g, 6, uriOf);
  w.add(K);
  w.add(K + 1);
  w.add(K + 4); // K+2, K+3 could not be produced (restart, failed write)
  const e = w.entries();
  assert.deepEqual(
    e.map((x) => [x.sequence - K, x.gap]),
    [
      [0, false],
      [1, false],
      [2, true],
      [3, true],
      [4, false],
    ],
  );
  for (const x of e) {
    assert.equal(x.uri, uriOf(x.sequence), "a gap has the URI the peer lists");
    assert.equal(x.pdtMs, gridSegment(g, x.sequence).pdtMs);
    assert.equal(x.discontinuity, false, "the timeline never breaks");
  }
  const text = renderMediaPlaylist({ targetDuration: 4, discontinuitySequence: 0, entries: e });
  assert.equal(text.match(/#EXT-X-GAP/g)?.length, 2);
  assert.ok(!text.includes("#EXT-X-DISCONTINUITY\n"));
  assert.match(text, new RegExp(`#EXT-X-MEDIA-SEQUENCE:${K}\n`));
  // The GAP tag sits between the segment's PDT and its EXTINF and URI.
  assert.match(
    text,
    new RegExp(`#EXT-X-PROGRAM-DATE-TIME:[^\n]+\n#EXT-X-GAP\n#EXTINF:[^\n]+\n${uriOf(K + 2)}\n`),
  );
});

test("the window slides, trims leading gaps and returns what left; it never goes back", () => {
  const w = new EpochWindow(g, 4, uriOf);
  w.add(K);
  w.add(K + 2);
  assert.deepEqual(w.add(K + 4), [K], "the window is now K+1..K+4: K left");
  assert.deepEqual(
    w.entries().map((x) => x.sequence - K),
    [2, 3, 4],
    "K+1 was a gap at the front: trimmed",
  );
  assert.equal(w.add(K + 3), null, "an older sequence is refused");
  assert.equal(w.add(K + 4), null, "the same sequence is refused");
  assert.deepEqual(w.add(K + 20), [K + 2, K + 4]);
  assert.deepEqual(
    w.entries().map((x) => x.sequence - K),
    [20],
  );
});

test("restart: files on disk are re-listed when still current, others leave", () => {
  // Window 5; the wall clock is in segment K+10.
  const found = [K + 3, K + 5, K + 6, K + 8, K + 9, K + 12, K + 2];
  const plan = planRestore(found, 5, K + 10);
  assert.deepEqual(
    plan.keep.map((k) => k - K),
    [5, 6, 8, 9],
  );
  assert.deepEqual(
    plan.drop.map((k) => k - K),
    [2, 3, 12],
    "older than the window, or ahead of the clock",
  );
  const stale = planRestore([K, K + 1], 5, K + 10);
  assert.deepEqual(stale.keep, [], "the last run ended more than a window ago");
  assert.deepEqual(stale.drop, [K, K + 1]);
  assert.deepEqual(planRestore([], 5, K), { keep: [], drop: [] });

  const w = new EpochWindow(g, 5, uriOf);
  for (const k of plan.keep) w.add(k);
  w.add(K + 11);
  assert.deepEqual(
    w.entries().map((x) => [x.sequence - K, x.gap]),
    [
      [8, false],
      [9, false],
      [10, true],
      [11, false],
    ],
  );
});

test("segment names parse back to their parts; foreign names do not", () => {
  const name = uriOf(K);
  assert.deepEqual(parseSegmentName("fip", name), {
    codec: "aac",
    profile: "hifi",
    segmentSec: 4,
    sequence: K,
    unixTime: Math.floor(gridSegment(g, K).pdtMs / 1000),
  });
  assert.equal(parseSegmentName("fip", "fip_aac_mid_fi_2_12_34.ts")?.profile, "mid_fi");
  assert.equal(parseSegmentName("fip", "fip_hifi.m3u8"), null);
  assert.equal(parseSegmentName("fip", "other_aac_hifi_4_1_2.ts"), null);
  assert.equal(parseSegmentName("fip", "fip_aac_hifi_4_1_2.ts.123.4.tmp"), null);
});
