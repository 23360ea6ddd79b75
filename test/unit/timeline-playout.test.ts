/**
 * The input timing model on synthetic timelines (test/helpers/timeline-harness.ts), one sender:
 * smooth, connecting with a backlog, bursty, fast or slow, lossy, stopping, silent.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { TimedSource } from "../../src/engine/timeline/timed-source.js";
import {
  type Arrival,
  RATE,
  FRAME,
  TICK_FRAMES,
  RAMP,
  arrivals,
  run,
  playout,
  source,
  steps,
} from "../helpers/timeline-harness.js";
import { seededRandom } from "../helpers/random.js";

test("a smooth sender plays at the least delay (bufferMs), continuous, on time", () => {
  const rnd = seededRandom(1);
  const p = playout();
  const src = source("a", p);
  const list = arrivals({ rate: 1, chunk: 960, delay: () => 2400 + rnd() * 480 }, 0, 30 * RATE);
  const [r] = run([{ src, arrivals: list }], 30);
  assert.ok(r);
  const s = steps(r, 2);
  assert.equal(s.holes, 0, "never dry after priming");
  assert.ok(s.min > 0.999 && s.max < 1.001, `continuous: steps ${s.min}..${s.max}`);
  assert.equal(Math.round(p.delayMs), 300, "a smooth sender needs no more than bufferMs");
});

test("a sender that connects with a backlog sends it at once: backlog is not lateness, the delay stays at bufferMs", () => {
  const rnd = seededRandom(7);
  const p = playout();
  const src = source("a", p);
  // What the sender queued while connecting (1.1 s, as ffmpeg on the latency bench) arrives at
  // once when the connection is up; then it is smooth.
  const connectP = 1.1 * RATE;
  const list = arrivals(
    { rate: 1, chunk: 960, delay: (k) => Math.max(2400 + rnd() * 480, connectP + 2400 - (k + 1) * 960) },
    0,
    30 * RATE,
  );
  assert.ok(list[0]!.pArr >= connectP && list[50]!.pArr === list[0]!.pArr, "the backlog came in one burst");
  const [r] = run([{ src, arrivals: list }], 30);
  assert.ok(r);
  const s = steps(r, 3);
  assert.equal(s.holes, 0, "never dry on air");
  assert.ok(s.min > 0.999 && s.max < 1.001, `continuous: steps ${s.min}..${s.max}`);
  assert.equal(Math.round(p.delayMs), 300, `the backlog did not raise the delay (${p.delayMs} ms)`);
});

test("a sender that delivers in 1 s bursts is never starved: the target grows to cover the bursts", () => {
  const p = playout();
  const src = source("a", p);
  // 1 s of audio arrives at once, once a second.
  const list = arrivals({ rate: 1, chunk: 48000, delay: () => 480 }, 0, 40 * RATE);
  const [r] = run([{ src, arrivals: list }], 40);
  assert.ok(r);
  const s = steps(r, 3);
  assert.equal(s.holes, 0, "the audio due was always there");
  assert.ok(s.min > 0.999 && s.max < 1.001, `no skip or repeat: ${s.min}..${s.max}`);
  assert.ok(
    p.delayMs >= 1000 && p.delayMs <= 1320,
    `target ${p.delayMs} ms (the bursts plus a quarter of headroom)`,
  );
});

for (const ppm of [1000, -1113, 40]) {
  test(`a sender ${ppm} ppm off plays 10 minutes without under- or overrun; driftPpm measures it`, () => {
    const rnd = seededRandom(7);
    const p = playout();
    const src = source("a", p);
    const list = arrivals(
      { rate: 1 + ppm / 1e6, chunk: 1024, delay: () => 960 + rnd() * 1920 },
      0,
      600 * RATE,
    );
    const [r] = run([{ src, arrivals: list }], 600);
    assert.ok(r);
    const s = steps(r, 5);
    assert.equal(s.holes, 0, "never dry");
    assert.ok(Math.abs(src.driftPpm() - ppm) <= 50, `driftPpm ${src.driftPpm()} for a true ${ppm}`);
    assert.ok(s.min > 0.997 && s.max < 1.003, `rate within the ±0.2 % budget: ${s.min}..${s.max}`);
    // The delay held stays at its target (no slow drain, no growth).
    assert.ok(Math.abs(src.bufferMs() - p.delayMs) < 60, `held ${src.bufferMs()} ms vs target ${p.delayMs}`);
  });
}

test("5 % of chunks lost: each loss leaves a concealed gap of exactly its length, nothing shifts", () => {
  const rnd = seededRandom(3);
  const lostSet = new Set<number>();
  const p = playout();
  const src = source("a", p);
  const list = arrivals(
    {
      rate: 1,
      chunk: 1024,
      delay: () => 1000 + rnd() * 2000,
      lost: (k) => {
        const l = k > 100 && rnd() < 0.05;
        if (l) lostSet.add(k);
        return l;
      },
    },
    0,
    30 * RATE,
  );
  const [r] = run([{ src, arrivals: list }], 30);
  assert.ok(r && lostSet.size > 20);
  assert.equal(src.concealedFrames, lostSet.size * 1024 - 0, "every lost chunk concealed, nothing else");
  // Across every loss, the played position advances as if nothing was lost: windows of 100 ms
  // whose ends are clean ramp samples advance 4800 × (1 ± 0.2 %), never by a chunk more or less.
  // A clean ramp sample: its neighbours step by one sample (a fade or silence does not).
  const clean = (i: number) =>
    r.played[i]! > 8 && Math.abs((r.played[i + 4]! - r.played[i - 4]!) / 8 - 1) < 0.01;
  let checked = 0;
  let worst = 0;
  for (let i = 5 * RATE; i + 4800 < r.played.length; i += 101) {
    const a = r.played[i]!;
    const b = r.played[i + 4800]!;
    if (!(b > a && b < RAMP - 8) || !clean(i) || !clean(i + 4800)) continue;
    checked++;
    worst = Math.max(worst, Math.abs((b - a) / 4800 - 1));
  }
  assert.ok(checked > 1000, `checked ${checked} windows`);
  assert.ok(worst <= 0.0021, `no shift across losses: worst rate deviation ${worst}`);
});

test("a sender that stops: its buffered audio plays to its end, then the timeline is dry", () => {
  const p = playout();
  const src = source("a", p);
  const list = arrivals({ rate: 1, chunk: 960, delay: () => 480 }, 0, 10 * RATE);
  const [r] = run([{ src, arrivals: list }], 12);
  assert.ok(r);
  // The last audio made is t = 10 s; it plays ~target + transport later, then nothing.
  const lastPlayed = [...r.played].findLastIndex((v) => !Number.isNaN(v));
  const expected = 10 * RATE + 480 + p.delay;
  assert.ok(Math.abs(lastPlayed - expected) < FRAME * TICK_FRAMES, `played to ${lastPlayed} (≈ ${expected})`);
});

test("on air, a silent sender whose next burst comes late is waited for, not failed over", () => {
  const p = playout();
  const src = new TimedSource({ id: "a", sampleRate: RATE, channels: 1, playout: p, silenceDb: -40 });
  src.restart(true);
  // 8 s of tone, then 4 s of silence, both in 20 ms chunks; then silence in bursts 700 ms apart.
  const list: Arrival[] = [];
  for (let k = 0; k < 600; k++) {
    const pcm = new Float32Array(960).fill(k < 400 ? 0.25 : 0);
    list.push({ pArr: (k + 1) * 960 + 480, t: k * 960, pcm });
  }
  for (let b = 0; b < 8; b++) {
    const t = 600 * 960 + b * 33600;
    list.push({ pArr: t + 33600 + 480, t, pcm: new Float32Array(33600) });
  }
  const [r] = run([{ src, arrivals: list }], 17);
  assert.ok(r);
  assert.equal(steps(r, 3).holes, 0, "never dry on air: the silence is held while the bursts come");
  assert.ok(src.stalledFrames > 0, "it did hold");
  assert.ok(p.delayMs >= 650 && p.delayMs <= 2000, `the delay grew to cover the bursts (${p.delayMs} ms)`);
});
