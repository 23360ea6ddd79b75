import { test } from "node:test";
import assert from "node:assert/strict";
import {
  boundary,
  gridOf,
  gridSegment,
  indexOf,
  maxSegmentSamples,
  pdtMsOf,
  PTS_WRAP,
  ptsOf,
  type Grid,
} from "../../src/output/hls/epoch-grid.js";

/** mulberry32: seeded, so a failure names the k that broke. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RATES = [48000, 44100] as const;
const CODECS = ["aac", "mp3"] as const;
const SECS = [2, 4, 6];
/** Around now and around 2100: positions of 8.5e13 samples and more. */
const EPOCH_MS = [Date.UTC(2026, 10, 30), Date.UTC(2100, 0, 1)];

function kNear(g: Grid, ms: number): number {
  return Math.floor(((ms / 1000) * g.rate) / g.l);
}

test("4 s at 48 kHz AAC: 187.5 frames, boundaries alternate on the mark and 512 samples after", () => {
  const g = gridOf(4, 48000, "aac");
  assert.deepEqual(g, { rate: 48000, l: 192000, f: 1024 });
  const k = kNear(g, EPOCH_MS[0]!) & ~1; // an even k of today
  assert.equal(boundary(g, k), k * 192000, "even k: exactly on the 4 s mark");
  assert.equal(boundary(g, k + 1), (k + 1) * 192000 + 512, "odd k: half a frame later");
  assert.equal(gridSegment(g, k).durationSec, (188 * 1024) / 48000);
  assert.equal(gridSegment(g, k + 1).durationSec, (187 * 1024) / 48000);
  assert.equal(gridSegment(g, k).durationSec.toFixed(6), "4.010667");
  assert.equal(gridSegment(g, k + 1).durationSec.toFixed(6), "3.989333");
  assert.equal(maxSegmentSamples(g), 188 * 1024);
});

test("frame counts per segment: 44.1 kHz AAC, MP3 at both rates", () => {
  const frames = (g: Grid, k0: number, n: number) =>
    Array.from({ length: n }, (_, i) => (boundary(g, k0 + i + 1) - boundary(g, k0 + i)) / g.f);
  // 176400 / 1024 = 172.265625: 17 in 64 segments get the extra frame.
  const g441 = gridOf(4, 44100, "aac");
  const f441 = frames(g441, 0, 64);
  assert.equal(f441.filter((n) => n === 173).length, 17);
  assert.equal(f441.filter((n) => n === 172).length, 47);
  // 192000 / 1152 = 166.67: 167, 167, 166 from k = 0.
  assert.deepEqual(frames(gridOf(4, 48000, "mp3"), 0, 6), [167, 167, 166, 167, 167, 166]);
  // 2 s at 48 kHz: 93.75 AAC frames: 94, 94, 94, 93.
  assert.deepEqual(frames(gridOf(2, 48000, "aac"), 0, 4), [94, 94, 94, 93]);
});

test("the rule holds for every rate, codec and length, around today and 2100 (seeded k)", () => {
  const rand = rng(11);
  for (const rate of RATES)
    for (const codec of CODECS)
      for (const sec of SECS) {
        const g = gridOf(sec, rate, codec);
        for (const ms of EPOCH_MS) {
          const base = kNear(g, ms);
          for (let i = 0; i < 200; i++) {
            const k = base + Math.floor(rand() * 1e6);
            const b = boundary(g, k);
            const what = `rate ${rate} ${codec} ${sec} s k=${k}`;
            assert.equal(b % g.f, 0, `${what}: on the frame grid`);
            assert.ok(b >= k * g.l && b - k * g.l < g.f, `${what}: first frame at or after k·L`);
            assert.equal(indexOf(g, b), k, `${what}: index of B(k)`);
            assert.equal(indexOf(g, boundary(g, k + 1) - g.f), k, `${what}: last frame of k`);
            const s = gridSegment(g, k);
            assert.equal(s.endPos, boundary(g, k + 1));
            assert.ok(s.durationSec * rate <= maxSegmentSamples(g), `${what}: ≤ longest`);
            assert.equal(s.unixTime, Math.floor(s.pdtMs / 1000));
          }
        }
      }
});

test("PTS and PDT are exact (BigInt reference) for seeded positions, incl. 44.1 kHz", () => {
  const rand = rng(7);
  for (const rate of RATES) {
    for (const ms of EPOCH_MS) {
      const base = Math.floor((ms / 1000) * rate);
      for (let i = 0; i < 2000; i++) {
        const p = base + Math.floor(rand() * 1e9);
        const P = BigInt(p);
        const R = BigInt(rate);
        assert.equal(ptsOf(p, rate), Number(((P * 90000n) / R) % 2n ** 33n), `PTS of ${p} at ${rate}`);
        assert.equal(pdtMsOf(p, rate), Number((P * 1000n + R / 2n) / R), `PDT of ${p} at ${rate}`);
      }
    }
  }
  // Half a millisecond rounds up; 1 sample at 48 kHz is 0.0208 ms.
  assert.equal(pdtMsOf(24, 48000), 1);
  assert.equal(pdtMsOf(23, 48000), 0);
});

test("PTS is continuous across segments and across the 2^33 wrap, one rule at 44.1 kHz", () => {
  for (const rate of RATES) {
    // The first sample whose PTS wraps: floor(p × 90000 / rate) = 2^33 × n.
    const n = Math.floor(((Date.UTC(2026, 10, 30) / 1000) * 90000) / PTS_WRAP);
    const num = BigInt(n + 1) * 2n ** 33n * BigInt(rate);
    const wrapPos = Number((num + 89999n) / 90000n);
    // One sample is 1.875 (48 kHz) or 2.04 (44.1 kHz) ticks: the first PTS after the wrap is 0 or 1.
    assert.ok(ptsOf(wrapPos, rate) <= 1, `wraps at ${rate}`);
    assert.ok(ptsOf(wrapPos - 1, rate) > PTS_WRAP - 3);
    for (const f of [1024, 1152]) {
      const start = Math.floor((wrapPos - 10 * f) / f) * f;
      for (let p = start; p < start + 20 * f; p += f) {
        const step = (ptsOf(p + f, rate) - ptsOf(p, rate) + PTS_WRAP) % PTS_WRAP;
        const exact = (f * 90000) / rate;
        assert.ok(
          step === Math.floor(exact) || step === Math.ceil(exact),
          `step ${step} at ${p} (${rate}, F ${f})`,
        );
      }
    }
  }
  // 48 kHz: 1024 samples are exactly 1920 ticks.
  assert.equal(ptsOf(1024, 48000) - ptsOf(0, 48000), 1920);
});
