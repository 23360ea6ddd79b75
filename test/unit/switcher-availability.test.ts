/** Per-input availability (`nextHealth`) on synthetic 20 ms frame timelines. */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  initialHealth,
  isStarved,
  nextHealth,
  type AvailabilityConfig,
  type InputHealth,
} from "../../src/switcher/availability.js";

const CFG: AvailabilityConfig = { thresholdDb: -40, maxBlankSec: 5, minNoiseSec: 1, starvationMs: 300 };
const FRAME_MS = 20;
type Sig = "tone" | "quiet" | "silence" | "gone";
const LEVEL: Record<Sig, number> = { tone: -20, quiet: -39.9, silence: -80, gone: -120 };

/**
 * Feeds frames from `fromMs` (exclusive: frame ends) to `toMs` (inclusive) of one signal and
 * returns the health after each frame, keyed by frame end time.
 */
function feed(
  h: InputHealth,
  sig: Sig,
  fromMs: number,
  toMs: number,
  log?: Map<number, InputHealth>,
): InputHealth {
  for (let t = fromMs + FRAME_MS; t <= toMs; t += FRAME_MS) {
    h = nextHealth(h, { nowMs: t, hasAudio: sig !== "gone", levelDb: LEVEL[sig] }, CFG);
    log?.set(t, h);
  }
  return h;
}

/** First frame end time at which `pred` holds, in the log. */
function firstWhen(log: Map<number, InputHealth>, pred: (h: InputHealth) => boolean): number | undefined {
  for (const [t, h] of log) if (pred(h)) return t;
  return undefined;
}

void test("availability: a fresh input with noise becomes available after exactly minNoiseSec", () => {
  const log = new Map<number, InputHealth>();
  feed(initialHealth(0), "tone", 0, 3000, log);
  assert.equal(
    firstWhen(log, (h) => h.available),
    1000,
  );
  assert.equal(log.get(980)?.available, false);
  const h = log.get(3000)!;
  assert.equal(h.since, 1000);
  assert.equal(h.unavailableMs, 1000);
  assert.equal(h.blank, false);
  assert.equal(h.starved, false);
});

void test("availability: a level just above the threshold is noise; just below it is silence", () => {
  const below = feed(initialHealth(0), "quiet", 0, 2000);
  assert.equal(below.available, true);
  const h = nextHealth(initialHealth(0), { nowMs: 20, hasAudio: true, levelDb: -40.01 }, CFG);
  assert.equal(h.silentSince, 0);
  assert.equal(h.noiseSince, null);
});

void test("availability: a fresh silent input is never available, and blank only after maxBlankSec", () => {
  const log = new Map<number, InputHealth>();
  feed(initialHealth(0), "silence", 0, 8000, log);
  assert.equal(
    firstWhen(log, (h) => h.available),
    undefined,
  );
  assert.equal(
    firstWhen(log, (h) => h.blank),
    5000,
  );
  assert.equal(log.get(8000)?.blankSince, 5000);
  assert.equal(log.get(8000)?.unavailableMs, 8000);
});

void test("availability: one silent frame restarts the minNoiseSec count", () => {
  let h = feed(initialHealth(0), "tone", 0, 900);
  h = feed(h, "silence", 900, 920);
  const log = new Map<number, InputHealth>();
  feed(h, "tone", 920, 3000, log);
  assert.equal(
    firstWhen(log, (x) => x.available),
    1920,
  );
});

void test("availability: silences shorter than maxBlankSec keep an available input available", () => {
  let h = feed(initialHealth(0), "tone", 0, 2000);
  for (let t = 2000; t < 30000; t += 5000) {
    h = feed(h, "silence", t, t + 4900);
    assert.equal(h.available, true);
    assert.equal(h.blank, false);
    h = feed(h, "tone", t + 4900, t + 5000);
  }
});

void test("availability: blank after maxBlankSec of silence; a short noise blip does not end it; minNoiseSec does", () => {
  const log = new Map<number, InputHealth>();
  let h = feed(initialHealth(0), "tone", 0, 10000);
  h = feed(h, "silence", 10000, 20000, log);
  assert.equal(
    firstWhen(log, (x) => x.blank),
    15000,
  );
  assert.equal(log.get(14980)?.available, true);
  assert.equal(log.get(15000)?.available, false);
  assert.equal(log.get(15000)?.since, 15000);
  h = feed(h, "tone", 20000, 20500);
  assert.equal(h.blank, true);
  assert.equal(h.available, false);
  h = feed(h, "silence", 20500, 20600);
  const back = new Map<number, InputHealth>();
  h = feed(h, "tone", 20600, 23000, back);
  assert.equal(
    firstWhen(back, (x) => x.available),
    21600,
  );
  assert.equal(back.get(21600)?.blank, false);
  assert.equal(back.get(21600)?.blankSince, null);
  // unavailable: 0–1 s (start) and 15–21.6 s (blank).
  assert.equal(h.unavailableMs, 1000 + 6600);
});

void test("availability: starvation is unavailable at once, not blank, and needs minNoiseSec again after it", () => {
  let h = feed(initialHealth(0), "tone", 0, 5000);
  const log = new Map<number, InputHealth>();
  h = feed(h, "gone", 5000, 6000, log);
  const first = log.get(5020)!;
  assert.equal(first.available, false);
  assert.equal(first.starved, true);
  assert.equal(first.blank, false);
  assert.equal(first.since, 5020);
  assert.equal(log.get(6000)?.since, 5020);
  const back = new Map<number, InputHealth>();
  h = feed(h, "tone", 6000, 8000, back);
  assert.equal(back.get(6020)?.starved, false);
  assert.equal(
    firstWhen(back, (x) => x.available),
    7000,
  );
  assert.equal(h.unavailableMs, 1000 + (7000 - 5020));
});

void test("availability: a blank input that starves is starved, not blank; after it, silence is blank only after maxBlankSec", () => {
  let h = feed(initialHealth(0), "silence", 0, 6000);
  assert.equal(h.blank, true);
  h = feed(h, "gone", 6000, 6100);
  assert.equal(h.blank, false);
  assert.equal(h.starved, true);
  const log = new Map<number, InputHealth>();
  feed(h, "silence", 6100, 12000, log);
  assert.equal(
    firstWhen(log, (x) => x.blank),
    11100,
  );
});

void test("availability: the first observation without a start time starts the runs at that frame", () => {
  const log = new Map<number, InputHealth>();
  let h = initialHealth();
  assert.equal(h.since, null);
  h = nextHealth(h, { nowMs: 100, hasAudio: true, levelDb: -20 }, CFG);
  log.set(100, h);
  feed(h, "tone", 100, 2000, log);
  assert.equal(
    firstWhen(log, (x) => x.available),
    1100,
  );
  assert.equal(log.get(100)?.since, 100);
});

void test("availability: minNoiseSec 0 makes the first noise frame available", () => {
  const h = nextHealth(
    initialHealth(0),
    { nowMs: 20, hasAudio: true, levelDb: -20 },
    { ...CFG, minNoiseSec: 0 },
  );
  assert.equal(h.available, true);
});

void test("availability: health is plain JSON", () => {
  const h = feed(initialHealth(0), "tone", 0, 1500);
  assert.deepEqual(JSON.parse(JSON.stringify(h)), h);
});

void test("availability: isStarved applies starvationMs to the last arrival", () => {
  assert.equal(isStarved(null, 1000, 300), true);
  assert.equal(isStarved(1000, 1299, 300), false);
  assert.equal(isStarved(1000, 1300, 300), true);
});

void test("availability: noise proven on arrival counts — the input's delay and minNoiseSec run at once", () => {
  let h = initialHealth(0);
  // The first frame played: the same audio arrived 1.2 s ago and has been noise since.
  h = nextHealth(h, { nowMs: 20, hasAudio: true, levelDb: LEVEL.tone, arrivedNoiseMs: 1200 }, CFG);
  assert.equal(h.available, true, "proven while it waited out the delay");
  // Not proven yet on arrival: judged on play as before.
  let g = initialHealth(0);
  g = nextHealth(g, { nowMs: 20, hasAudio: true, levelDb: LEVEL.tone, arrivedNoiseMs: 400 }, CFG);
  assert.equal(g.available, false);
  // A starved frame still makes it unavailable, whatever arrived.
  h = nextHealth(h, { nowMs: 40, hasAudio: false, levelDb: -120, arrivedNoiseMs: 5000 }, CFG);
  assert.equal(h.available, false);
  // A silent frame played is not noise, whatever arrived.
  let k = initialHealth(0);
  k = nextHealth(k, { nowMs: 20, hasAudio: true, levelDb: LEVEL.silence, arrivedNoiseMs: 5000 }, CFG);
  assert.equal(k.available, false);
});

void test("availability: proven on arrival, it became available when the arrived audio completed minNoiseSec", () => {
  let h = initialHealth(0);
  h = nextHealth(h, { nowMs: 5000, hasAudio: false, levelDb: -120 }, CFG);
  assert.equal(h.since, 0);
  // Played now; it arrived as noise 2.2 s ago, so it completed minNoiseSec 1.2 s ago.
  const proof = CFG.minNoiseSec * 1000;
  h = nextHealth(h, { nowMs: 6000, hasAudio: true, levelDb: LEVEL.tone, arrivedNoiseMs: proof + 1200 }, CFG);
  assert.equal(h.available, true);
  assert.equal(h.since, 6000 - 1200);
  // The run on arrival is unbroken by construction (the timed source restarts it at a gap, at
  // silence and at audio that came too late to play): it may reach back past a starvation.
  h = nextHealth(h, { nowMs: 7000, hasAudio: false, levelDb: -120 }, CFG);
  assert.equal(h.since, 7000);
  h = nextHealth(h, { nowMs: 7400, hasAudio: true, levelDb: LEVEL.tone, arrivedNoiseMs: proof + 2000 }, CFG);
  assert.equal(h.since, 5400);
  // Judged on play: available now.
  let k = initialHealth(0);
  for (let t = 20; t <= proof + 20; t += 20)
    k = nextHealth(k, { nowMs: t, hasAudio: true, levelDb: LEVEL.tone }, CFG);
  assert.equal(k.available, true);
  assert.equal(k.since, proof, "the frame that completed minNoiseSec");
});
