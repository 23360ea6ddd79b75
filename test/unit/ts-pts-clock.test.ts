import assert from "node:assert/strict";
import { test } from "node:test";
import { PTS_WRAP, PtsClock, unwrapNear } from "../../src/input/ts/pts-clock.js";

test("unwrap: the 2^33 epoch nearest the reference, both ways across the wrap, never negative", () => {
  assert.equal(unwrapNear(100, NaN), 100);
  assert.equal(unwrapNear(100, PTS_WRAP - 500), PTS_WRAP + 100, "forward across the wrap");
  assert.equal(unwrapNear(PTS_WRAP - 500, PTS_WRAP + 100), PTS_WRAP - 500, "a late frame from before it");
  assert.equal(unwrapNear(200, 5 * PTS_WRAP + 10), 5 * PTS_WRAP + 200, "any epoch");
  assert.equal(unwrapNear(PTS_WRAP - 1000, 100), PTS_WRAP - 1000, "would be -1000: kept in epoch 0");
});

test("interpolation is exact from the anchor: 26.5 h of 44.1 kHz frames, no drift", () => {
  const c = new PtsClock();
  const start = PTS_WRAP - 90000;
  c.anchorAt(start);
  const frames = Math.floor((26.5 * 3600 * 44100) / 1024);
  for (let i = 0; i < frames; i++) c.advance(1024, 44100);
  const exact = start + (frames * 1024 * 90000) / 44100;
  assert.ok(Math.abs(c.expected() - exact) < 1e-3, `${c.expected() - exact}`);
  // A wire PTS after one more wrap unwraps next to where the stream is.
  const raw = Math.round(exact) % PTS_WRAP;
  assert.equal(c.unwrap(raw), Math.round(exact));
});

test("a rate change re-anchors where the old rate left off; a loss stops interpolation", () => {
  const c = new PtsClock();
  c.anchorAt(1000);
  c.advance(1024, 48000);
  c.advance(1024, 48000);
  assert.equal(c.expected(), 1000 + 2 * 1920);
  c.advance(1152, 44100);
  assert.equal(c.expected(), 1000 + 2 * 1920 + (1152 * 90000) / 44100);
  c.invalidate();
  assert.equal(c.running, false);
  assert.equal(c.continuation(), 1000 + 2 * 1920 + (1152 * 90000) / 44100, "where the stream stood");
  c.reset();
  assert.ok(Number.isNaN(c.continuation()), "a new stream is not compared with the old one");
  assert.equal(c.unwrap(5000), 5000, "but still unwraps near it");
});
