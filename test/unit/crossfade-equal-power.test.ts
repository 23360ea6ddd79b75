/** Equal-power crossfade across frames: gains, running position, no click. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Crossfade } from "../../src/engine/crossfade.js";

const RATE = 48000;

function sine(freq: number, amp: number, phase: number, startSample: number, frames: number, ch: number) {
  const out = new Float32Array(frames * ch);
  for (let i = 0; i < frames; i++) {
    const v = amp * Math.sin((2 * Math.PI * freq * (startSample + i)) / RATE + phase);
    for (let c = 0; c < ch; c++) out[i * ch + c] = v;
  }
  return out;
}

/** Runs a fade of `total` samples in frames of `frameLen`, over `frameCount` frames. */
function fadeInFrames(
  total: number,
  frameLen: number,
  frameCount: number,
  from: (start: number) => Float32Array | null,
  to: (start: number) => Float32Array | null,
  ch: number,
) {
  const xf = new Crossfade(total);
  const outs: Float32Array[] = [];
  const running: boolean[] = [];
  for (let k = 0; k < frameCount; k++) {
    const out = new Float32Array(frameLen * ch);
    running.push(xf.mix(from(k * frameLen), to(k * frameLen), out, ch));
    outs.push(out);
  }
  const all = new Float32Array(frameLen * ch * frameCount);
  outs.forEach((o, k) => all.set(o, k * frameLen * ch));
  return { all, running, xf };
}

void test("crossfade: gains are cos/sin with gFrom² + gTo² = 1, monotonic, spanning several frames", () => {
  const total = 2400; // 50 ms at 48 kHz, over 20 ms frames
  const frame = 960;
  const ones = () => new Float32Array(frame).fill(1);
  const gFrom = fadeInFrames(total, frame, 4, ones, () => null, 1);
  const gTo = fadeInFrames(total, frame, 4, () => null, ones, 1);
  assert.deepEqual(gFrom.running, [true, true, false, false]);
  let prevA = 1;
  let prevB = 0;
  for (let i = 0; i < total; i++) {
    const a = gFrom.all[i]!;
    const b = gTo.all[i]!;
    assert.ok(Math.abs(a * a + b * b - 1) < 1e-6, `power ${a * a + b * b} at sample ${i}`);
    assert.ok(a <= prevA + 1e-7 && b >= prevB - 1e-7, `not monotonic at ${i}`);
    prevA = a;
    prevB = b;
  }
  assert.ok(Math.abs(gTo.all[total - 1]! - 1) < 1e-7, "the last faded sample is the new source");
  for (let i = total; i < gTo.all.length; i++) {
    assert.equal(gTo.all[i], 1);
    assert.equal(gFrom.all[i], 0);
  }
  assert.ok(gFrom.xf.done);
  assert.equal(gFrom.xf.position, total);
});

void test("crossfade: the running position makes frame size irrelevant (stereo)", () => {
  const total = 2205; // 50 ms at 44.1 kHz
  const a = (s: number, n: number) => sine(440, 0.5, 0, s, n, 2);
  const b = (s: number, n: number) => sine(997, 0.5, 1, s, n, 2);
  const byFrames = fadeInFrames(
    total,
    441,
    8,
    (s) => a(s, 441),
    (s) => b(s, 441),
    2,
  ).all;
  const whole = new Float32Array(441 * 8 * 2);
  new Crossfade(total).mix(a(0, 441 * 8), b(0, 441 * 8), whole, 2);
  assert.deepEqual(byFrames, whole);
  // Both channels of one sample frame get the same gains.
  for (let i = 0; i < whole.length; i += 2) assert.equal(whole[i], whole[i + 1]);
});

void test("crossfade: no click between two sines (max step stays that of the sines), unlike a hard cut", () => {
  const freqA = 440;
  const freqB = 1000;
  const amp = 0.8;
  // Phases chosen so a hard cut at the start jumps from +amp to -amp.
  const phaseA = Math.PI / 2;
  const phaseB = -Math.PI / 2;
  const frame = 960;
  const frames = 6;
  const { all } = fadeInFrames(
    2400,
    frame,
    frames,
    (s) => sine(freqA, amp, phaseA, s, frame, 1),
    (s) => sine(freqB, amp, phaseB, s, frame, 1),
    1,
  );
  const maxStep = (x: Float32Array, prev: number) => {
    let m = Math.abs(x[0]! - prev);
    for (let i = 1; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - x[i - 1]!));
    return m;
  };
  const before = amp * Math.sin(phaseA - (2 * Math.PI * freqA) / RATE); // the sample before the fade
  const sineStep = (2 * Math.PI * Math.max(freqA, freqB) * amp) / RATE;
  const fadeStep = maxStep(all, before);
  // Equal power can sum two sines to √2× amplitude mid-fade; plus the gain slope: < 1.5×.
  assert.ok(fadeStep < 1.5 * sineStep, `max step ${fadeStep} vs sine ${sineStep}`);
  const cut = sine(freqB, amp, phaseB, 0, frame, 1);
  const cutStep = maxStep(cut, before);
  assert.ok(cutStep > 10 * sineStep, `a hard cut jumps ${cutStep}: the test would catch a click`);
});

void test("crossfade: from silence (null) is a fade-in; length 0 is a plain cut", () => {
  const to = new Float32Array(100).fill(0.5);
  const out = new Float32Array(100);
  const xf = new Crossfade(50);
  assert.equal(xf.mix(null, to, out, 1), false);
  assert.ok(out[0]! > 0 && out[0]! < 0.05);
  assert.equal(out[99], 0.5);
  const cut = new Float32Array(100);
  assert.equal(new Crossfade(0).mix(new Float32Array(100).fill(-1), to, cut, 1), false);
  assert.deepEqual(cut, to);
  assert.throws(() => new Crossfade(-1), /crossfade length/);
});

void test("crossfade: out may alias the `to` frame", () => {
  const from = new Float32Array(64).fill(1);
  const to = new Float32Array(64).fill(-1);
  const expected = new Float32Array(64);
  new Crossfade(64).mix(from, to.slice(), expected, 1);
  new Crossfade(64).mix(from, to, to, 1);
  assert.deepEqual(to, expected);
});
