/**
 * Two paths of one programme on synthetic timelines (test/helpers/timeline-harness.ts): one
 * playout, the same input position at every sample whatever the path delays or PTS epochs.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Playout } from "../../src/engine/timeline/playout.js";
import { type Arrival, RATE, arrivals, run, playout, source } from "../helpers/timeline-harness.js";
import { seededRandom } from "../helpers/random.js";

/**
 * Two paths of playout `p` run together; from 3 s on, the largest difference between the input
 * positions they play, and the first sample where one was dry (null when neither was).
 */
function worstJump(
  p: Playout,
  la: Arrival[],
  lb: Arrival[],
  seconds: number,
): { worst: number; dryAt: number | null } {
  const [ra, rb] = run(
    [
      { src: source("a", p), arrivals: la },
      { src: source("b", p), arrivals: lb },
    ],
    seconds,
  );
  assert.ok(ra && rb);
  let worst = 0;
  for (let i = 3 * RATE; i < ra.played.length; i++) {
    const d = Math.abs(ra.played[i]! - rb.played[i]!);
    if (Number.isNaN(d)) return { worst, dryAt: i };
    worst = Math.max(worst, d);
  }
  return { worst, dryAt: null };
}

test("two paths of one programme, one 150 ms later: both play the same input position at every sample", () => {
  const rnd = seededRandom(5);
  const p = playout();
  const la = arrivals({ rate: 1, chunk: 1024, delay: () => 500 + rnd() * 500, t0: 123456 }, 0, 30 * RATE);
  const lb = arrivals(
    { rate: 1, chunk: 1024, delay: () => 0.15 * RATE + 500 + rnd() * 500, t0: 123456 },
    0,
    30 * RATE,
  );
  const { worst, dryAt } = worstJump(p, la, lb, 30);
  assert.equal(dryAt, null, `a path was dry at sample ${dryAt}`);
  assert.ok(worst <= 1, `a switch at any sample jumps ≤ 1 sample (worst ${worst})`);
  assert.ok(p.delayMs >= 300, "the group holds at least bufferMs past the later path");
});

test("a path that joined after a PTS wrap (another 2^33 epoch) is aligned on the group", () => {
  const rnd = seededRandom(9);
  const wrap = (2 ** 33 * RATE) / 90000;
  const p = playout();
  const la = arrivals({ rate: 1, chunk: 1024, delay: () => 500 + rnd() * 500, t0: 1000 }, 0, 20 * RATE);
  // The same audio, numbered one wrap period later (its unwrapping started in the next epoch).
  const lb = arrivals(
    { rate: 1, chunk: 1024, delay: () => 900 + rnd() * 500, t0: 1000, label: wrap },
    0,
    20 * RATE,
  );
  const { worst, dryAt } = worstJump(p, la, lb, 20);
  assert.equal(dryAt, null, `a path was dry at sample ${dryAt}`);
  assert.ok(worst <= 1, `both paths play the same audio at every sample (worst ${worst})`);
});
