/**
 * TimedBuffer.read: cubic interpolation over the ring gives the same samples whether the four
 * neighbours sit side by side (the fast path) or wrap around the ring's end or reach before the
 * oldest audio held (read as silence).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { TimedBuffer } from "../../src/engine/timeline/timed-buffer.js";
import { seededRandom } from "../helpers/random.js";

/** The interpolation on a plain function of the position (what the ring should behave like). */
function cubicAt(sample: (i: number) => number, p: number): number {
  const i = Math.floor(p);
  const x = p - i;
  const [y0, y1, y2, y3] = [sample(i - 1), sample(i), sample(i + 1), sample(i + 2)];
  return y1 + 0.5 * x * (y2 - y0 + x * (2 * y0 - 5 * y1 + 4 * y2 - y3 + x * (3 * (y1 - y2) + y3 - y0)));
}

void test("read interpolates identically across the ring's wrap and before the oldest sample", () => {
  const rnd = seededRandom(7);
  const ch = 2;
  const cap = 64;
  const buf = new TimedBuffer(ch, cap, 48000, 2);
  // 100 frames written from position 1000: the ring (64) keeps 1036..1099 and wraps.
  const total = 100;
  const values = new Float32Array(total * ch).map(() => rnd() * 2 - 1);
  for (let k = 0; k < total; k += 10) buf.write(1000 + k, values.subarray(k * ch, (k + 10) * ch));
  assert.equal(buf.start, 1036);
  assert.equal(buf.end, 1100);
  const sample = (c: number) => (i: number) =>
    i < buf.start || i >= buf.end ? 0 : values[(i - 1000) * ch + c]!;
  for (const [pos, ratio] of [
    [1034.25, 1],
    [1036, 1],
    [1040.5, 0.999],
    [1050.125, 1.0013],
  ] as const) {
    const frames = 40;
    const out = new Float32Array(frames * ch);
    const n = buf.read(out, frames, pos, ratio);
    const expectN = Math.min(frames, Math.ceil((buf.end - 2 - pos) / ratio));
    assert.ok(Math.abs(n - expectN) <= 1 && n > 0, `delivered ${n} frames from ${pos}`);
    for (let k = 0; k < n; k++)
      for (let c = 0; c < ch; c++) {
        const want = cubicAt(sample(c), pos + k * ratio);
        assert.ok(
          Math.abs(out[k * ch + c]! - want) < 1e-5,
          `pos ${pos} frame ${k} ch ${c}: ${out[k * ch + c]} vs ${want}`,
        );
      }
  }
});
