/**
 * The stock-sender e2e assertions (test/e2e/stock-senders.test.ts), one per property, each with a
 * failure message that carries the run's trace: the switch events, the input's counters and the
 * disturbed stretches of the decoded program.
 */
import assert from "node:assert/strict";
import type { CaseRun } from "./stock-case.js";
import { SWITCHER } from "./stock-case.js";
import type { HitlessVerdict } from "./stock-hitless.js";
import { SILENCE, TONE_HZ } from "./stock-matrix.js";
import type { SilenceVerdict } from "./stock-silence.js";
import { disturbedRuns, type ToneVerdict } from "./stock-verdict.js";

const MIN_JUDGED_SEC = 15;
/** Ticks (60 ms) and frames between the first audio, availability and the switch. */
const OWN_SLACK_MS = 200;

export function trace(run: CaseRun, v: ToneVerdict): string {
  const t0 = run.startedMs;
  const ev = run.events.map((e) => `+${((e.atMs - t0) / 1000).toFixed(2)} ${e.from}→${e.to} (${e.reason})`);
  return (
    `events: ${ev.join(", ")}; counters: ${JSON.stringify(v.counters)}; ` +
    `disturbed: ${disturbedRuns(v, t0)}; capture: ${run.captureError ?? "ok"}`
  );
}

export function summary(v: ToneVerdict): string {
  const c = v.counters;
  return (
    `${v.name}: on air ${v.timeToAirMs ?? "never"} ms (bound ${v.boundMs}; connected ${v.path.connectedMs}, ` +
    `first audio ${v.path.firstAudioMs}, available ${v.path.availableMs}), ${v.switchesAfterOnAir.length} switches after, ` +
    `${v.disturbed.length}/${v.windows} disturbed windows, target ${c?.targetDelayMs.toFixed(0)} ms ` +
    `(max ${c?.targetDelayMaxMs.toFixed(0)}), arrival gap max ${c?.arrivalGapMaxMs.toFixed(0)} ms, ` +
    `concealed ${c?.concealedMs} ms, overruns ${c?.overruns}, lost/retransmitted/dropped ` +
    `${c?.lost}/${c?.retransmitted}/${c?.dropped}, stream ${c?.stream}, drift ${c?.driftPpm} ppm`
  );
}

export function assertOnAir(run: CaseRun, v: ToneVerdict): void {
  assert.ok(v.timeToAirMs !== null, `never on air; ${trace(run, v)}`);
  assert.ok(
    v.timeToAirMs <= v.boundMs,
    `on air ${v.timeToAirMs} ms after the sender started (bound ${v.boundMs} ms; connected at ` +
      `${v.path.connectedMs} ms, first audio at ${v.path.firstAudioMs} ms, available at ${v.path.availableMs} ms); ` +
      trace(run, v),
  );
}

/** The daemon's own share of the time to air: from the first decoded audio. */
export function assertOwnShare(run: CaseRun, v: ToneVerdict): void {
  const p = v.path;
  assert.ok(p.onAirMs !== null && p.firstAudioMs !== null, `never on air; ${trace(run, v)}`);
  const bound =
    Math.max((SWITCHER.minNoiseSec + SWITCHER.returnDelaySec) * 1000, v.counters!.targetDelayMaxMs) +
    OWN_SLACK_MS;
  const own = p.onAirMs - p.firstAudioMs;
  assert.ok(
    own <= bound,
    `on air ${own} ms after the first audio was decoded (bound ${bound.toFixed(0)} ms; available at ` +
      `${p.availableMs! - p.firstAudioMs} ms); ${trace(run, v)}`,
  );
}

export function assertUndisturbed(run: CaseRun, v: ToneVerdict): void {
  assert.ok(run.capture, `no program captured: ${run.captureError}`);
  assert.ok(v.judgedSec >= MIN_JUDGED_SEC, `only ${v.judgedSec.toFixed(1)} s judged`);
  assert.ok(
    (v.refAmps[TONE_HZ] ?? 0) > 0.08,
    `the sender's tone reaches the program (${v.refAmps[TONE_HZ]})`,
  );
  assert.equal(
    v.disturbed.length,
    0,
    `${v.disturbed.length} disturbed windows of ${v.windows}; ${trace(run, v)}`,
  );
}

export function assertNothingDropped(run: CaseRun, v: ToneVerdict, cleanPath: boolean, cleanTs = true): void {
  const c = v.counters;
  assert.ok(c, "the input's status");
  // A TS continuity error or a decoder error is the input's lastError (a sender restarted mid-stream
  // is one: the format-change case).
  if (cleanTs) assert.equal(c.lastError, null, "no TS or decoder error");
  assert.equal(c.concealedMs, 0, `audio concealed; ${trace(run, v)}`);
  assert.equal(c.overruns, 0, "overruns (input delivered faster than real time, oldest audio dropped)");
  assert.equal(c.dropped, 0, "SRT packets dropped (not recovered in time)");
  if (cleanPath) assert.equal(c.lost, 0, "SRT packets lost on a clean path");
  assert.deepEqual(v.inputErrors, {}, "input errors counted");
}

export function assertAgree(run: CaseRun, v: ToneVerdict): void {
  assert.deepEqual(v.statusMismatches, [], "every status poll names the input the events name");
  assert.ok(v.sseAgrees, `SSE ${JSON.stringify(run.sseEvents)} vs channel ${JSON.stringify(run.events)}`);
}

export function assertHitless(run: CaseRun, h: HitlessVerdict): void {
  assert.ok(run.onAirMs !== null, `path a never on air; events ${JSON.stringify(run.events)}`);
  assert.ok(run.capture, `no program captured: ${run.captureError}`);
  assert.deepEqual(
    h.switches.map((s) => [s.from, s.to, s.reason]),
    [
      ["a", "b", "manual"],
      ["b", "a", "manual"],
      ["a", "b", "failover"],
    ],
    "manual a→b, manual b→a, failover a→b",
  );
  for (const j of h.jumps)
    assert.ok(
      Math.abs(j.samples) <= 1,
      `${j.what}: ${j.samples.toFixed(2)} samples (${j.ms.toFixed(3)} ms); ${h.summary}`,
    );
}

export function assertSilence(run: CaseRun, s: SilenceVerdict): void {
  const v = s.verdict;
  assert.ok(s.silenceStartMs !== null, `the sender's silence heard in the program; ${trace(run, v)}`);
  assert.deepEqual(
    s.switches.map((e) => [e.from, e.to, e.reason]),
    [
      ["main", "safety", "blank"],
      ["safety", "main", "return"],
    ],
    `a blank switch, then the return; ${s.summary}; ${trace(run, v)}`,
  );
  const blankAfter = s.switches[0]!.programMs - s.silenceStartMs;
  assert.ok(
    Math.abs(blankAfter - SWITCHER.maxBlankSec * 1000) <= 250,
    `blank switch ${blankAfter.toFixed(0)} ms into the silence (maxBlankSec ${SWITCHER.maxBlankSec} s)`,
  );
  // The returning tone proves itself as it arrives, D (the input's delay) before it is heard:
  // minNoiseSec + returnDelaySec run from its arrival, the return is never before it is heard.
  const delaySec = v.counters!.targetDelayMs / 1000;
  const proof = Math.max(0, SWITCHER.minNoiseSec + SWITCHER.returnDelaySec - delaySec);
  const back = SILENCE.toSec - SILENCE.fromSec + proof;
  const returnAfter = s.switches[1]!.programMs - s.silenceStartMs;
  assert.ok(
    Math.abs(returnAfter - back * 1000) <= 500,
    `return ${returnAfter.toFixed(0)} ms after the silence began (expected ${back.toFixed(2)} s: the silence, then ` +
      `minNoiseSec + returnDelaySec from the arrival, ${delaySec} s before it is heard)`,
  );
  assertUndisturbed(run, v);
}
