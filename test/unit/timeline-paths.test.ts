/**
 * Two paths of one programme on synthetic timelines (test/helpers/timeline-harness.ts): one
 * playout, the same input position at every sample whatever the path delays or PTS epochs.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RATE, arrivals, run, playout, source } from "../helpers/timeline-harness.js";
import { seededRandom } from "../helpers/random.js";

test("two paths of one programme, one 150 ms later: both play the same input position at every sample", () => {
  const rnd = seededRandom(5);
  const p = playout();
  const a = source("a", p);
  const b = source("b", p);
  const la = arrivals({ rate: 1, chunk: 1024, delay: () => 500 + rnd() * 500, t0: 123456 }, 0, 30 * RATE);
  const lb = arrivals(
    { rate: 1, chunk: 1024, delay: () => 0.15 * RATE + 500 + rnd() * 500, t0: 123456 },
    0,
    30 * RATE,
  );
  const [ra, rb] = run(
    [
      { src: a, arrivals: la },
      { src: b, arrivals: lb },
    ],
    30,
  );
  assert.ok(ra && rb);
  let worst = 0;
  for (let i = 3 * RATE; i < ra.played.length; i++) {
    const d = Math.abs(ra.played[i]! - rb.played[i]!);
    if (Number.isNaN(d)) assert.fail(`a path was dry at sample ${i}`);
    worst = Math.max(worst, d);
  }
  assert.ok(worst <= 1, `a switch at any sample jumps ≤ 1 sample (worst ${worst})`);
  assert.ok(p.delayMs >= 300, "the group holds at least bufferMs past the later path");
});

test("a path that joined after a PTS wrap (another 2^33 epoch) is aligned on the group", () => {
  const rnd = seededRandom(9);
  const wrap = (2 ** 33 * RATE) / 90000;
  const p = playout();
  const a = source("a", p);
  const b = source("b", p);
  const la = arrivals({ rate: 1, chunk: 1024, delay: () => 500 + rnd() * 500, t0: 1000 }, 0, 20 * RATE);
  // The same audio, numbered one wrap period later (its unwrapping started in the next epoch).
  const lb = arrivals(
    { rate: 1, chunk: 1024, delay: () => 900 + rnd() * 500, t0: 1000, label: wrap },
    0,
    20 * RATE,
  );
  const [ra, rb] = run(
    [
      { src: a, arrivals: la },
      { src: b, arrivals: lb },
    ],
    20,
  );
  assert.ok(ra && rb);
  let worst = 0;
  for (let i = 3 * RATE; i < ra.played.length; i++)
    worst = Math.max(worst, Math.abs(ra.played[i]! - rb.played[i]!));
  assert.ok(worst <= 1, `both paths play the same audio at every sample (worst ${worst})`);
});
