import assert from "node:assert/strict";
import { test } from "node:test";
import { ToneSource } from "../../src/input/tone.js";

test("tone: the phasor matches sin(2π f n / rate) sample for sample over 60 s, on every channel", () => {
  const rate = 48000;
  const f = 997;
  const tone = new ToneSource("t", 2, rate, f, -6);
  const amp = 10 ** (-6 / 20);
  const frames = 960;
  const out = new Float32Array(frames * 2);
  let n = 0;
  let worst = 0;
  for (let k = 0; k < (60 * rate) / frames; k++) {
    assert.equal(tone.read(out, frames), frames);
    for (let i = 0; i < frames; i++, n++) {
      const want = amp * Math.sin(((2 * Math.PI * f) / rate) * n);
      worst = Math.max(worst, Math.abs(out[2 * i]! - want));
      assert.equal(out[2 * i + 1], out[2 * i]);
    }
  }
  // Float32 output: the error is the float32 rounding (~3e-8), not a drift of the phasor.
  assert.ok(worst < 1e-6, `max error ${worst}`);
});
