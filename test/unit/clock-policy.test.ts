import { test } from "node:test";
import assert from "node:assert/strict";
import { ClockPolicy } from "../../src/engine/clock-policy.js";

const L = 96000; // 2 s segments at 48 kHz
const opts = { maxOffsetMs: 100, maxHoldMs: 10_000, segmentSamples: L, settleSamples: 18432 };
const P = 445_000_000 * L; // a position of 2026

test("offsets within the bound change nothing, either sign", () => {
  const p = new ClockPolicy(opts);
  for (const offsetMs of [0, 5, -5, 99.9, -100, 100])
    assert.deepEqual(p.check({ pos: P + 30000, offsetMs, wallPos: P + 30000 }), { action: "none" });
});

test("forward: jumps to the wall position once the program is settled past a boundary", () => {
  const p = new ClockPolicy(opts);
  const early = p.check({ pos: P + 1000, offsetMs: 2500, wallPos: P + 9216 * 14 });
  assert.deepEqual(early, { action: "none" }, "the previous segment may still be in the encoder");
  const v = p.check({ pos: P + 20000, offsetMs: 2500, wallPos: P + 9216 * 14 });
  assert.equal(v.action, "reanchor");
  if (v.action !== "reanchor") return;
  assert.equal(v.reanchor.to, P + 9216 * 14);
  assert.equal(v.reanchor.direction, "forward");
  assert.match(v.reanchor.reason, /2\.500 s ahead/);
});

test("backward within maxHold: hold at the current position (sequences never go back)", () => {
  const p = new ClockPolicy(opts);
  const v = p.check({ pos: P + 5000, offsetMs: -3000, wallPos: P - 144000 });
  assert.equal(v.action, "reanchor");
  if (v.action !== "reanchor") return;
  assert.equal(v.reanchor.to, P + 5000, "to = pos: the timeline does not move back");
  assert.equal(v.reanchor.direction, "backward");
});

test("backward beyond maxHold: stays on air ahead of UTC, reported once until back in bound", () => {
  const p = new ClockPolicy(opts);
  const i = { pos: P, offsetMs: -60_000, wallPos: P - 60 * 48000 };
  assert.deepEqual(p.check(i), { action: "run-ahead", offsetMs: -60_000 });
  assert.deepEqual(p.check(i), { action: "none" }, "not reported every tick");
  assert.deepEqual(p.check({ ...i, offsetMs: 3 }), { action: "none" });
  assert.deepEqual(p.check(i), { action: "run-ahead", offsetMs: -60_000 }, "a new episode is reported");
});
