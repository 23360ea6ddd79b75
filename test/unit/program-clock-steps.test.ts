/**
 * The re-anchoring policy on a fake clock, driven like the Program drives it: a 60 ms tick asks
 * check(pos) with the next position, jumps when told, then produces every 20 ms frame due.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../src/clock/fake-clock.js";
import { ProgramClock } from "../../src/engine/program-clock.js";

const RATE = 48000;
const FRAME = 960;
const L = 96000; // 2 s segments

function rig() {
  const clock = new FakeClock({ wallMs: Date.UTC(2026, 10, 30, 12, 0, 0, 7) });
  const reports: { code: string; fields: Record<string, unknown> }[] = [];
  const pc = new ProgramClock(clock, RATE, 9216, {
    policy: { segmentSamples: L },
    report: (code, fields) => reports.push({ code, fields }),
  });
  const s = {
    clock,
    pc,
    reports,
    pos: pc.anchor(),
    produced: [] as number[],
    jumps: [] as { from: number; to: number }[],
  };
  const tick = () => {
    clock.advance(60);
    const r = pc.check(s.pos);
    if (r) {
      s.jumps.push({ from: s.pos, to: r.to });
      pc.rebase(r.to);
      s.pos = r.to;
    }
    while (s.pos + FRAME <= pc.dueAt(clock.monoMs()) + 1) {
      s.produced.push(s.pos);
      s.pos += FRAME;
    }
  };
  const run = (ms: number) => {
    for (let t = 0; t < ms; t += 60) tick();
  };
  /** Where the wall clock says the program should be, in samples. */
  const wallPos = () => Math.floor((clock.wallMs() * RATE) / 1000);
  return { s, tick, run, wallPos };
}

test("positions are UTC: the anchor lies on the grid at the wall clock's position", () => {
  const { s, run, wallPos } = rig();
  assert.equal(s.pos % 9216, 0);
  run(3000);
  assert.ok(Math.abs(s.pos - wallPos()) <= FRAME * 4, `pos ${s.pos} vs wall ${wallPos()}`);
  assert.ok(Math.abs(s.pc.offsetMs()) < 1);
  assert.deepEqual(s.reports, []);
});

test("NTP step forward: one jump to UTC once settled past a boundary; the segments between are skipped", () => {
  const { s, run, wallPos } = rig();
  run(1000);
  s.clock.stepWall(3000);
  run(2000);
  assert.equal(s.jumps.length, 1);
  const j = s.jumps[0]!;
  assert.equal(j.to % 9216, 0, "lands on the encoder grid");
  assert.ok(j.from - Math.floor(j.from / L) * L >= 2 * 9216, "after the previous segment settled");
  assert.ok(Math.floor(j.to / L) > Math.floor(j.from / L), "the media sequence moves forward");
  assert.ok(Math.abs(s.pos - wallPos()) <= FRAME * 4 + 9216, "back on UTC");
  assert.ok(Math.abs(s.pc.offsetMs()) < 1);
  assert.deepEqual(s.pc.reanchorCounts(), { forward: 1, backward: 0 });
  assert.equal(s.reports[0]?.code, "ANTENNE_CLOCK_REANCHORED");
  assert.equal(s.reports[0]?.fields.direction, "forward");
});

test("NTP step backward: the program pauses for the step; no position is produced twice", () => {
  const { s, run, wallPos } = rig();
  run(1000);
  const before = s.produced.length;
  const at = s.pos;
  s.clock.stepWall(-2000);
  run(1900);
  assert.equal(s.jumps.length, 0, "no jump: the timeline does not break");
  assert.ok(s.produced.length - before <= 1, "paused while the wall clock catches up");
  run(2000);
  assert.ok(s.pos > at + RATE, "runs again");
  const sorted = [...s.produced].sort((a, b) => a - b);
  assert.deepEqual(s.produced, sorted, "positions only go forward");
  assert.equal(new Set(s.produced).size, s.produced.length, "never produced twice");
  assert.ok(Math.abs(s.pos - wallPos()) <= FRAME * 4);
  assert.deepEqual(s.pc.reanchorCounts(), { forward: 0, backward: 1 });
});

test("a backward step longer than maxHold: stays on air ahead of UTC, reported once", () => {
  const { s, run } = rig();
  run(1000);
  s.clock.stepWall(-60_000);
  const before = s.produced.length;
  run(3000);
  assert.ok(s.produced.length - before >= 140, "keeps producing (3 s = 150 frames)");
  assert.deepEqual(
    s.reports.map((r) => r.code),
    ["ANTENNE_CLOCK_AHEAD"],
  );
  assert.ok(s.pc.offsetMs() < -59_000);
  assert.deepEqual(s.pc.reanchorCounts(), { forward: 0, backward: 0 });
});

test("slow drift below the bound changes nothing; past it, one re-anchor", () => {
  const { s, run } = rig();
  for (let i = 0; i < 90; i++) {
    s.clock.stepWall(1); // 1 ms per second: 90 ms after 90 s
    run(1000);
  }
  assert.equal(s.jumps.length, 0);
  assert.ok(s.pc.offsetMs() > 89 && s.pc.offsetMs() < 91);
  for (let i = 0; i < 15; i++) {
    s.clock.stepWall(1);
    run(1000);
  }
  assert.equal(s.jumps.length, 1, "re-anchored once the offset passed 100 ms");
  assert.ok(Math.abs(s.pc.offsetMs()) < 15, "only the drift since the re-anchor is left");
});

test("a frozen process (SIGSTOP: both clocks move) is not a clock step; a VM whose monotonic clock stopped is", () => {
  const { s, run, tick } = rig();
  run(1000);
  s.clock.advance(5000); // no ticks for 5 s; monotonic and wall both went on
  assert.equal(s.pc.check(s.pos), null, "the Program catches up or skips by itself");
  assert.ok(Math.abs(s.pc.offsetMs()) < 1);
  tick();
  s.clock.stepWall(30_000); // resumed VM: CLOCK_MONOTONIC did not count the pause
  run(2000);
  assert.equal(s.jumps.length, 1);
  assert.equal(s.jumps[0]?.to, s.jumps[0]!.to - (s.jumps[0]!.to % 9216));
  assert.deepEqual(s.pc.reanchorCounts(), { forward: 1, backward: 0 });
});
