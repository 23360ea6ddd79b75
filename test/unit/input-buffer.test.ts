import assert from "node:assert/strict";
import { test } from "node:test";
import { InputBuffer } from "../../src/engine/input-buffer.js";

const RATE = 48000;
const CH = 2;

/** Simulated sender: a sine on its own clock (rate × (1 + drift)), delivered in bursts. */
function simulate(driftPpm: number, seconds: number, burstMs = 60) {
  const buf = new InputBuffer({ id: "x", sampleRate: RATE, channels: CH, targetMs: 300, starvationMs: 300 });
  const senderRate = RATE * (1 + driftPpm / 1e6);
  const frame = 960; // 20 ms program frames
  const out = new Float32Array(frame * CH);
  let sent = 0;
  let phase = 0;
  let minMs = Infinity;
  let maxMs = 0;
  let underrunsAfterStart = -1;
  let prev = 0;
  let maxStep = 0;
  for (let t = 0; t <= seconds * 1000; t += 20) {
    // the sender's decoder output arrives in bursts
    if (t % burstMs === 0) {
      const due = Math.floor(((t + burstMs) / 1000) * senderRate) - sent;
      const pcm = new Float32Array(due * CH);
      for (let i = 0; i < due; i++) {
        const v = 0.5 * Math.sin(phase);
        phase += (2 * Math.PI * 1000) / senderRate;
        pcm[i * CH] = v;
        pcm[i * CH + 1] = v;
      }
      sent += due;
      buf.write(pcm, t);
    }
    const n = buf.read(out, frame, t);
    if (n === frame && underrunsAfterStart < 0) underrunsAfterStart = buf.underruns;
    if (underrunsAfterStart >= 0) {
      for (let i = 0; i < n; i++) {
        const v = out[i * CH] ?? 0;
        maxStep = Math.max(maxStep, Math.abs(v - prev));
        prev = v;
      }
      if (t > Math.min(60_000, (seconds * 1000) / 2)) {
        minMs = Math.min(minMs, buf.bufferMs());
        maxMs = Math.max(maxMs, buf.bufferMs());
      }
    }
  }
  return { buf, minMs, maxMs, underruns: buf.underruns - underrunsAfterStart, maxStep };
}

test("the controller learns a 0.1 % drift within 2 minutes", () => {
  for (const drift of [1000, -1000]) {
    const r = simulate(drift, 120);
    assert.ok(
      Math.abs(r.buf.driftPpm() - drift) < 100,
      `driftPpm ${r.buf.driftPpm()} vs ${drift} after 120 s`,
    );
  }
});

for (const drift of [1000, -1000, 0, 500]) {
  test(`a sender ${drift} ppm off holds the buffer in band for 10 simulated minutes`, () => {
    const r = simulate(drift, 600);
    assert.equal(r.underruns, 0, "no underrun");
    assert.equal(r.buf.droppedFrames, 0, "no overrun drop");
    assert.ok(r.minMs > 150 && r.maxMs < 480, `buffer ${r.minMs.toFixed(0)}..${r.maxMs.toFixed(0)} ms`);
    // the ratio learned the sender's drift (driftPpm positive when the sender is fast)
    assert.ok(Math.abs(r.buf.driftPpm() - drift) < 150, `driftPpm ${r.buf.driftPpm()} vs ${drift}`);
    // a 1 kHz sine at 0.5 moves at most 2π·1000/48000·0.5 ≈ 0.065 per sample: no click
    assert.ok(r.maxStep < 0.07, `max step ${r.maxStep}`);
  });
}

test("a sender far faster than real time is held at the target delay, oldest audio dropped", () => {
  const buf = new InputBuffer({ id: "x", sampleRate: RATE, channels: CH, targetMs: 300, starvationMs: 300 });
  const out = new Float32Array(960 * CH);
  for (let t = 0; t < 10_000; t += 20) {
    buf.write(new Float32Array(960 * 10 * CH).fill(0.1), t); // 10× real time
    buf.read(out, 960, t);
    assert.ok(buf.bufferMs() <= 300 + 150 + 200 + 1, `buffer ${buf.bufferMs()} ms`);
  }
  assert.ok(buf.droppedFrames > 0);
});

test("a dry buffer returns a partial frame, then waits for the target again", () => {
  const buf = new InputBuffer({ id: "x", sampleRate: RATE, channels: CH, targetMs: 100, starvationMs: 300 });
  const out = new Float32Array(960 * CH);
  buf.write(new Float32Array(4800 * CH + 500 * CH).fill(0.2), 0);
  assert.equal(buf.read(out, 960, 0), 960);
  let total = 960;
  let n = 960;
  let t = 0;
  while (n === 960) {
    t += 20;
    n = buf.read(out, 960, t);
    total += n;
  }
  assert.ok(n < 960 && total > 5100, `ran dry after ${total}`);
  assert.equal(buf.read(out, 960, t + 20), 0, "re-priming");
  assert.equal(buf.arriving(t + 20), true);
  assert.equal(buf.arriving(1000), false);
});

test("odd-sized writes keep channels interleaved", () => {
  const buf = new InputBuffer({ id: "x", sampleRate: RATE, channels: 2, targetMs: 40, starvationMs: 300 });
  const pcm = new Float32Array(4000);
  for (let i = 0; i < 2000; i++) {
    pcm[2 * i] = 0.25;
    pcm[2 * i + 1] = -0.25;
  }
  buf.write(pcm.subarray(0, 1001), 0);
  buf.write(pcm.subarray(1001), 0);
  const out = new Float32Array(960 * 2);
  assert.equal(buf.read(out, 960, 0), 960);
  for (let i = 0; i < 960; i++) {
    assert.equal(out[2 * i], 0.25);
    assert.equal(out[2 * i + 1], -0.25);
  }
});

test("a burst gap longer than starvationMs is covered while the buffer holds half its target", () => {
  const buf = new InputBuffer({ id: "x", sampleRate: RATE, channels: CH, targetMs: 300, starvationMs: 300 });
  const out = new Float32Array(960 * CH);
  buf.write(new Float32Array(Math.round(0.45 * RATE) * CH).fill(0.1), 0);
  assert.equal(buf.read(out, 960, 0), 960);
  assert.equal(buf.arriving(350), true, "gap of 350 ms, 430 ms buffered");
  assert.equal(buf.arriving(601), false, "never beyond 2 × starvationMs");
  // A sender that stopped: its buffer drains, so it is starved right after starvationMs.
  for (let t = 20; t <= 320; t += 20) buf.read(out, 960, t);
  assert.equal(buf.arriving(320), false, `drained to ${buf.bufferMs()} ms`);
});
