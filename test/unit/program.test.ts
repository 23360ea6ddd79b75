/**
 * The program on a fake clock: UTC-anchored positions, frames made when due, the in-frame splice
 * of a failover, the rule that a lost input never plays again once the switcher left it, the
 * crossfade of a manual switch, and the jump after a frozen process. Inputs are scripted sources
 * whose samples say who they are (+0.5 for A, −0.5 for B).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeClock } from "../../src/clock/fake-clock.js";
import { Crossfade } from "../../src/engine/crossfade.js";
import { PcmHistory } from "../../src/engine/pcm-history.js";
import { Program } from "../../src/engine/program.js";
import { ChannelSwitch } from "../../src/engine/switch-driver.js";
import { ErrorReporter } from "../../src/errors/reporter.js";
import { silentLogger } from "../../src/log.js";
import type { FrameSource, SwitchEvent } from "../../src/types/index.js";

const RATE = 48000;
const FRAME = 960;
const GRID = 9216;

/** A mono source of a constant value; `dryAt(pos)` says how many frames of a read it delivers. */
class Scripted implements FrameSource {
  dryFrom: number | null = null;
  constructor(
    readonly id: string,
    private readonly value: number,
  ) {}
  read(out: Float32Array, frames: number, pos: number): number {
    const n = this.dryFrom === null ? frames : Math.max(0, Math.min(frames, this.dryFrom - pos));
    out.fill(this.value, 0, n);
    return n;
  }
  bufferMs(): number {
    return 300;
  }
  driftPpm(): number {
    return 0;
  }
  timing(): null {
    return null;
  }
}

function setup(opts: { returnDelaySec?: number } = {}) {
  const clock = new FakeClock({ wallMs: Date.UTC(2026, 10, 30, 12, 0, 0, 7) });
  const log = silentLogger();
  const a = new Scripted("a", 0.5);
  const b = new Scripted("b", -0.5);
  const sw = new ChannelSwitch({
    inputs: [
      { id: "a", autofallback: true },
      { id: "b", autofallback: true },
    ],
    sampleRate: RATE,
    channels: 1,
    availability: { thresholdDb: -40, maxBlankSec: 5, minNoiseSec: 0.1 },
    returnDelaySec: opts.returnDelaySec ?? 1,
    preferred: null,
    log,
  });
  const frames: { pos: number; pcm: Float32Array }[] = [];
  const switches: SwitchEvent[] = [];
  const jumps: { from: number; to: number }[] = [];
  const errors = new ErrorReporter(log, clock);
  const program = new Program({
    format: { sampleRate: RATE, channels: 1 },
    frameMs: 20,
    tickMs: 60,
    grid: GRID,
    clock,
    errors,
    inputs: [a, b],
    driver: sw,
    history: new PcmHistory(1, RATE * 5),
    log,
    makeFader: () => new Crossfade(480),
    onFrame: (pcm, pos) => frames.push({ pos, pcm: pcm.slice() }),
    onSwitch: (ev) => switches.push(ev),
    onJump: (j) => jumps.push(j),
  });
  return { clock, a, b, sw, program, frames, switches, jumps, errors };
}

test("positions are UTC: the run starts at its segment's start (made at once), then frames come when due", () => {
  const { clock, program, frames } = setup();
  program.start();
  const firstPos = program.pos;
  const wallPos = (clock.wallMs() * RATE) / 1000;
  assert.equal(firstPos % GRID, 0, "anchored on the grid");
  assert.ok(
    firstPos <= wallPos && wallPos - firstPos < GRID,
    "at or before now (the segment is the grid here)",
  );
  assert.equal(program.wallMsOf(firstPos), (firstPos * 1000) / RATE);
  clock.advance(60);
  assert.ok(
    frames.length > 0 && frames[0]!.pos === firstPos,
    "the backlog up to now is made at the first tick",
  );
  clock.advance(940);
  const due = program.clock.dueAt(clock.monoMs());
  assert.ok(frames.at(-1)!.pos + FRAME <= due && due - (frames.at(-1)!.pos + FRAME) < 3 * FRAME);
  const expected = Math.floor((due - firstPos) / FRAME);
  assert.ok(Math.abs(frames.length - expected) <= 3, `${frames.length} frames made, ${expected} due`);
  for (let i = 1; i < frames.length; i++) assert.equal(frames[i]!.pos - frames[i - 1]!.pos, FRAME);
  program.stop();
});

test("failover: the lost input's arrived audio plays to the sample, then the next input, in one frame", () => {
  const { clock, a, program, frames, switches } = setup();
  program.start();
  clock.advance(2000);
  assert.equal(switches.at(-1)?.to, "a", "A on air");
  const dryAt = program.pos + 3 * FRAME + 123;
  a.dryFrom = dryAt;
  clock.advance(500);
  const ev = switches.at(-1)!;
  assert.deepEqual(ev, { from: "a", to: "b", reason: "failover", transition: "cut" });
  const f = frames.find((x) => x.pos <= dryAt && dryAt < x.pos + FRAME)!;
  const k = dryAt - f.pos;
  assert.ok(
    f.pcm.subarray(0, k).every((v) => v === 0.5),
    "A up to its last arrived sample",
  );
  assert.ok(
    f.pcm.subarray(k).every((v) => v === -0.5),
    "B from that very sample: no gap",
  );
  program.stop();
});

test("a lost input never plays again once the switcher left it, even when its audio comes back", () => {
  const { clock, a, program, frames, switches } = setup({ returnDelaySec: 3 });
  program.start();
  clock.advance(2000);
  a.dryFrom = program.pos + FRAME;
  clock.advance(200);
  assert.equal(switches.at(-1)?.to, "b");
  // A's sender bursts again (a bursty sender refilling): A is not on air until it returns.
  a.dryFrom = null;
  const from = frames.length;
  clock.advance(2000);
  const heard = frames.slice(from).flatMap((x) => [...x.pcm]);
  assert.ok(
    heard.every((v) => v === -0.5),
    "only B is heard while A earns its return (the drain never resumes)",
  );
  clock.advance(2000);
  assert.deepEqual(switches.at(-1), { from: "b", to: "a", reason: "return", transition: "crossfade" });
  program.stop();
});

test("a manual switch crossfades and lands on the first frame due after the request", async () => {
  const { clock, sw, program, frames, switches } = setup();
  program.start();
  clock.advance(2000);
  const r = sw.request("b", clock.monoMs());
  assert.ok(r.ok);
  const requestedPos = program.clock.dueAt(clock.monoMs());
  const from = frames.length;
  clock.advance(120);
  assert.deepEqual(await r.outcome, { applied: true });
  assert.deepEqual(switches.at(-1), { from: "a", to: "b", reason: "manual", transition: "crossfade" });
  const first = frames.slice(from).find((x) => x.pcm.some((v) => v !== 0.5))!;
  assert.ok(first.pos >= requestedPos - FRAME, "not before the request");
  // 10 ms crossfade: the first changed frame goes from A through the mix to B.
  assert.ok(first.pcm[0]! > 0.4 && first.pcm[479]! < 0 && first.pcm[959] === -0.5, "A → mix → B");
  program.stop();
});

test("a process frozen for seconds skips ahead to UTC (a jump the encoders follow), reported", () => {
  const { clock, program, jumps, errors } = setup();
  program.start();
  clock.advance(1000);
  const before = program.pos;
  // The event loop was frozen: 5 s pass between two ticks.
  program.stop();
  clock.advance(5000);
  program.tick();
  assert.equal(jumps.length, 1);
  assert.equal(jumps[0]!.to % GRID, 0, "the jump lands on the grid");
  assert.ok(jumps[0]!.to > before + 4 * RATE, "past the frozen seconds");
  assert.equal(errors.count("ANTENNE_CLOCK_BEHIND"), 1);
});
