/**
 * The benches' signal helpers (bench/lib): clicks survive a real AAC round trip and are matched
 * back to the clicks sent; segment lateness against a cadence; silences in decoded output; the
 * density verdict.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ClickSignal, alignOffset, detectOnsets, matchClicks } from "../../bench/lib/clicks.js";
import { decodeBytes, silentRuns } from "../../bench/lib/decode.js";
import { realTimeProblems, type ChannelWindow } from "../../bench/lib/density-check.js";
import { lateness, type Listed } from "../../bench/lib/playlist-watch.js";
import { run } from "../helpers/proc.js";
import { seededRandom } from "../helpers/random.js";

const RATE = 44100;

test("clicks: seeded irregular spacing within bounds, none before startClicks", () => {
  const sig = new ClickSignal(RATE, seededRandom(7));
  assert.deepEqual(sig.chunk(RATE).clicks, []);
  sig.startClicks(0.5);
  const clicks: number[] = [];
  for (let i = 0; i < 20; i++) clicks.push(...sig.chunk(RATE).clicks);
  assert.equal(clicks[0], RATE + RATE / 2);
  const gaps = clicks.slice(1).map((c, i) => (c - clicks[i]!) / RATE);
  assert.ok(gaps.length >= 9 && gaps.every((g) => g >= 1.1 && g <= 1.9), gaps.join(","));
  assert.ok(new Set(gaps.map((g) => g.toFixed(2))).size > gaps.length / 2, "irregular");
  const again = new ClickSignal(RATE, seededRandom(7));
  again.chunk(RATE);
  again.startClicks(0.5);
  const first = again.chunk(3 * RATE).clicks;
  assert.ok(first.length >= 2);
  assert.deepEqual(first, clicks.slice(0, first.length), "same seed, same clicks");
});

test("clicks through real ffmpeg AAC 128k: every click found and matched to the one sent", async () => {
  const sig = new ClickSignal(RATE, seededRandom(3));
  sig.chunk(RATE / 2);
  sig.startClicks(0.3);
  const { pcm, clicks } = sig.chunk(12 * RATE);
  const lead = Buffer.alloc(2 * RATE); // half a second of silence the clicks are not in
  const enc = await run(
    "ffmpeg",
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-f",
      "s16le",
      "-ar",
      String(RATE),
      "-ac",
      "2",
      "-i",
      "pipe:0",
    ].concat(["-c:a", "aac", "-b:a", "128k", "-f", "mpegts", "pipe:1"]),
    { timeoutMs: 30_000, input: Buffer.concat([lead, pcm]) },
  );
  assert.equal(enc.code, 0, enc.stderr);
  const out = await decodeBytes(enc.stdout);
  const found = detectOnsets(out, RATE);
  assert.equal(found.length, clicks.length);
  // Output positions count from the start of the stream: the chunk began at RATE / 2.
  const tol = Math.round(0.05 * RATE);
  const a = alignOffset(found, clicks, tol);
  assert.ok(a && a.votes === clicks.length, JSON.stringify(a));
  assert.ok(Math.abs(a.offset - (lead.length / 4 - RATE / 2)) < 0.05 * RATE, `offset ${a.offset}`);
  assert.deepEqual(
    matchClicks(found, clicks, a.offset, tol),
    clicks.map((_, i) => i),
  );
  // A click that was never sent matches nothing.
  assert.deepEqual(matchClicks([found[0]! + RATE / 2], clicks, a.offset, tol), [-1]);
});

test("matchClicks follows a delay that changes slowly, beyond tol over the run", () => {
  const tol = Math.round(0.05 * RATE);
  // 200 clicks 1.5 s apart; the receiver's delay shrinks by 0.1 % (200 ms over 300 s).
  const sent = Array.from({ length: 200 }, (_, i) => Math.round(i * 1.5 * RATE));
  const delay = (s: number) => RATE - 0.001 * s;
  const detected = sent.map((s) => Math.round(s + delay(s)));
  const a = alignOffset(detected.slice(0, 40), sent.slice(0, 40), tol);
  assert.ok(a);
  const matched = matchClicks(detected, sent, a.offset, tol);
  assert.deepEqual(
    matched,
    sent.map((_, i) => i),
  );
  // With the offset frozen, the late clicks would be lost: the tracking is what matches them.
  const frozen = detected.filter((d, i) => Math.abs(d - a.offset - sent[i]!) > tol).length;
  assert.ok(frozen > 50, `${frozen} clicks beyond tol of the first offset`);
});

const seg = (listedAtMs: number, durationS = 4): Listed => ({
  uri: `s${listedAtMs}`,
  durationS,
  listedAtMs,
  pdtMs: null,
  copy: null,
});

test("lateness: against the channel's own cadence, the earliest segment as reference", () => {
  // Listed every 4 s, the third 1.5 s late, then back on the cadence.
  const l = lateness([seg(10_000), seg(14_000), seg(19_500), seg(22_000), seg(26_000)], 0);
  assert.deepEqual(l, [0, 0, 1.5, 0, 0]);
  // A channel falling behind: its lateness grows.
  assert.deepEqual(lateness([seg(0), seg(4_500), seg(9_000), seg(13_500)], 0), [0, 0.5, 1, 1.5]);
});

test("silentRuns: a 20 ms hole in noise, none in noise alone or shorter than the minimum", () => {
  const rng = seededRandom(1);
  const noise = new Float32Array(RATE).map(() => 0.2 * (rng() - 0.5) + (rng() < 0.5 ? 0.05 : -0.05));
  assert.deepEqual(silentRuns(noise, RATE), []);
  noise.fill(0, 10_000, 10_000 + 882);
  noise.fill(0, 30_000, 30_000 + 200); // 4.5 ms: shorter than the 10 ms minimum
  assert.deepEqual(silentRuns(noise, RATE), [{ at: 10_000, ms: 20 }]);
});

const window = (over: Partial<ChannelWindow>): ChannelWindow => ({
  latenessS: [0, 0.1, 0.2],
  segments: 15,
  expectedSegments: 14,
  gapsMs: [],
  health: { lagP99Ms: 3, concealedMs: 0, clockSlips: 0, switches: 0 },
  problems: [],
  ...over,
});

test("density verdict: real time only with no late segment, no gap, lag on time, nothing concealed", () => {
  assert.deepEqual(realTimeProblems(window({})), []);
  assert.deepEqual(realTimeProblems(window({ latenessS: [0, 1.4] })), ["1 late segments (worst 1.40 s)"]);
  assert.deepEqual(realTimeProblems(window({ segments: 12 })), ["12 segments listed, expected ≥ 14"]);
  assert.deepEqual(realTimeProblems(window({ gapsMs: [12, 40] })), ["2 audio gaps (longest 40 ms)"]);
  assert.deepEqual(realTimeProblems(window({ health: { lagP99Ms: 25 } })), ["event-loop lag p99 25.0 ms"]);
  assert.deepEqual(realTimeProblems(window({ health: { concealedMs: 60, switches: 1 } })), [
    "60 ms of input concealed",
    "1 switches",
  ]);
  // Liquidsoap reports no lag: not a failure by itself.
  assert.deepEqual(realTimeProblems(window({ health: { clockSlips: 0 } })), []);
});
