/**
 * Issue 9 end to end: the SRT senders studios and ops run, each at its DEFAULT settings, into a
 * daemon of their own (the SRT input first, a 1 kHz tone safety behind it; minNoiseSec 1,
 * returnDelaySec 2, maxBlankSec 2, every other switcher key at its default). Each case runs once
 * (its `before`) and is judged, one property per test, on the program an HLS client hears
 * (segments decoded, samples placed by PROGRAM-DATE-TIME), the status, the switch events (the
 * channel's, with their program positions, and the API's SSE stream) and the counters:
 * - on air within 1 s + minNoiseSec + returnDelaySec of the sender starting;
 * - then no switch and no disturbed 10 ms window (silence, the wrong tone, a click) for ≥ 15 s;
 * - nothing dropped (concealedMs 0, overruns 0, no SRT packet dropped, none lost on a clean
 *   path, no input error counted);
 * - the status polls and the SSE events name the input the decoded program plays.
 * The cases are test/helpers/stock-matrix.ts (also run by bench/stock-senders.ts) and the
 * two-path hitless case test/helpers/stock-hitless.ts. Runnable alone (≈ 5 min):
 *   node --test dist/test/e2e/stock-senders.test.js
 * STOCK_TRACE_DIR=dir keeps each run's events, polls and logs as JSON.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { killAll } from "./srt-helpers.js";
import { runCase, saveTrace, SWITCHER, type CaseRun } from "../helpers/stock-case.js";
import { HITLESS, hitlessVerdict, type HitlessVerdict } from "../helpers/stock-hitless.js";
import { MATRIX, SILENCE, TONE2_HZ, TONE_HZ, type MatrixCase } from "../helpers/stock-matrix.js";
import { silenceVerdict, type SilenceVerdict } from "../helpers/stock-silence.js";
import { disturbedRuns, heardSeconds, toneVerdict, type ToneVerdict } from "../helpers/stock-verdict.js";

const MIN_JUDGED_SEC = 15;
const CASE_TIMEOUT_MS = 120_000;
/** Beyond the second sender's start-up: the codec's smearing and the 10 ms windows at both edges. */
const FORMAT_SLACK_MS = 100;
/** Ticks (60 ms) and frames between the first audio, availability and the switch. */
const OWN_SLACK_MS = 200;

const P = {
  air: "on air within 1 s + minNoiseSec + returnDelaySec of the sender starting",
  airOwn: "on air within minNoiseSec + returnDelaySec + the target delay + 0.2 s of its first decoded audio",
  steady: "then no switch away and no disturbed 10 ms window for ≥ 15 s",
  dropped: "nothing dropped (concealed, overruns, SRT drops, input errors)",
  agree: "status polls and SSE events name what the decoded program plays",
  silence: "digital silence: blank switch after maxBlankSec, the safety heard while named, return after it",
  format: "both formats heard over the one connection, the status names the new one",
  formatGap: "the change costs no more audio than the second ffmpeg's own start-up",
  lossy: "the loss happened and SRT recovered it",
  hitless: "no sample repeated or skipped at the manual switches and the failover (≤ 1 sample)",
  hitlessClean: "the program is the reference throughout (no disturbed 20 ms window)",
};

/**
 * Properties the engine does not meet yet, by "case :: property": the text is the diagnosis
 * reported to the integrator (issue 9). They run and report as TODO: a fix turns them "ok".
 */
const KNOWN = new Map<string, string>();
function known(cases: RegExp, property: string, why: string): void {
  for (const mc of MATRIX) if (cases.test(mc.spec.name)) KNOWN.set(`${mc.spec.name} :: ${property}`, why);
}
known(
  /./,
  P.air,
  "the sender's own first audio comes 0.4-2 s after it starts (ffmpeg: start-up + its muxer's first PES; " +
    "srt-live-transmit: its 10-packet buffer, 1.3-2 s of mono AAC), and the input plays D (0.7-1.9 s: the stream's " +
    "declared PTS-PCR buffering + headroom) behind its first arrival, while minNoiseSec counts audio PLAYED: " +
    "available = first audio + (D - first burst) + minNoiseSec. Antenne's own share is the next property",
);

after(() => killAll());

function prop(caseName: string, name: string, fn: () => void): void {
  const todo = KNOWN.get(`${caseName} :: ${name}`);
  test(name, todo ? { todo } : {}, fn);
}

function trace(run: CaseRun, v: ToneVerdict): string {
  const t0 = run.startedMs;
  const ev = run.events.map((e) => `+${((e.atMs - t0) / 1000).toFixed(2)} ${e.from}→${e.to} (${e.reason})`);
  return (
    `events: ${ev.join(", ")}; counters: ${JSON.stringify(v.counters)}; ` +
    `disturbed: ${disturbedRuns(v, t0)}; capture: ${run.captureError ?? "ok"}`
  );
}

function summary(v: ToneVerdict): string {
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

function assertOnAir(run: CaseRun, v: ToneVerdict): void {
  assert.ok(v.timeToAirMs !== null, `never on air; ${trace(run, v)}`);
  assert.ok(
    v.timeToAirMs <= v.boundMs,
    `on air ${v.timeToAirMs} ms after the sender started (bound ${v.boundMs} ms; connected at ` +
      `${v.path.connectedMs} ms, first audio at ${v.path.firstAudioMs} ms, available at ${v.path.availableMs} ms); ` +
      trace(run, v),
  );
}

/** The daemon's own share of the time to air: from the first decoded audio. */
function assertOwnShare(run: CaseRun, v: ToneVerdict): void {
  const p = v.path;
  assert.ok(p.onAirMs !== null && p.firstAudioMs !== null, `never on air; ${trace(run, v)}`);
  const bound =
    (SWITCHER.minNoiseSec + SWITCHER.returnDelaySec) * 1000 + v.counters!.targetDelayMaxMs + OWN_SLACK_MS;
  const own = p.onAirMs - p.firstAudioMs;
  assert.ok(
    own <= bound,
    `on air ${own} ms after the first audio was decoded (bound ${bound.toFixed(0)} ms; available at ` +
      `${p.availableMs! - p.firstAudioMs} ms); ${trace(run, v)}`,
  );
}

function assertUndisturbed(run: CaseRun, v: ToneVerdict): void {
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

function assertNothingDropped(run: CaseRun, v: ToneVerdict, cleanPath: boolean, cleanTs = true): void {
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

function assertAgree(run: CaseRun, v: ToneVerdict): void {
  assert.deepEqual(v.statusMismatches, [], "every status poll names the input the events name");
  assert.ok(v.sseAgrees, `SSE ${JSON.stringify(run.sseEvents)} vs channel ${JSON.stringify(run.events)}`);
}

/** Registers a case: one run in `before`, its properties as tests. */
function toneCase(
  mc: MatrixCase,
  judge: (run: CaseRun) => ToneVerdict,
  extra: (get: () => CaseRun) => void,
): void {
  const name = mc.spec.name;
  describe(name, { timeout: CASE_TIMEOUT_MS * 2 }, () => {
    let run: CaseRun;
    let v: ToneVerdict;
    before(
      async () => {
        run = await runCase(mc.spec);
        saveTrace(run);
        v = judge(run);
        console.log(`# ${summary(v)}`);
      },
      { timeout: CASE_TIMEOUT_MS },
    );
    prop(name, P.air, () => assertOnAir(run, v));
    prop(name, P.airOwn, () => assertOwnShare(run, v));
    extra(() => run);
    prop(name, P.dropped, () => assertNothingDropped(run, v, mc.kind !== "lossy", mc.kind !== "format"));
    prop(name, P.agree, () => assertAgree(run, v));
  });
}

describe("stock senders at their defaults", () => {
  for (const mc of MATRIX) {
    const name = mc.spec.name;
    if (mc.kind === "steady" || mc.kind === "lossy") {
      const judge = (r: CaseRun) => toneVerdict(r, { input: "main", freqs: mc.freqs });
      toneCase(mc, judge, (get) => {
        prop(name, P.steady, () => {
          const v = judge(get());
          assert.deepEqual(v.switchesAfterOnAir, [], `no switch away; ${trace(get(), v)}`);
          assertUndisturbed(get(), v);
        });
        if (mc.kind === "lossy")
          prop(name, P.lossy, () => {
            const run = get();
            const relay = run.relays.main!;
            assert.ok(
              relay.forward.dropped > 0 && relay.back.dropped > 0,
              "the relay lost datagrams both ways",
            );
            const c = toneVerdict(run, { input: "main", freqs: mc.freqs }).counters!;
            assert.ok(
              c.lost > 0 && c.retransmitted > 0,
              `SRT saw the loss and retransmitted (${JSON.stringify(c)})`,
            );
          });
      });
    }
    if (mc.kind === "silence") {
      let s: SilenceVerdict;
      const judge = (r: CaseRun) => (s = silenceVerdict(r)).verdict;
      toneCase(mc, judge, (get) => prop(name, P.silence, () => assertSilence(get(), s)));
    }
    if (mc.kind === "format") {
      const judge = (r: CaseRun) => toneVerdict(r, { input: "main", freqs: mc.freqs });
      toneCase(mc, judge, (get) => {
        prop(name, P.format, () => {
          const run = get();
          const v = judge(run);
          const heard = heardSeconds(run, [TONE_HZ, TONE2_HZ]);
          assert.ok(
            heard[TONE_HZ]! >= 3,
            `the 44.1 kHz mono part heard (${heard[TONE_HZ]} s); ${trace(run, v)}`,
          );
          assert.ok(
            heard[TONE2_HZ]! >= 3,
            `the 48 kHz stereo part heard (${heard[TONE2_HZ]} s); ${trace(run, v)}`,
          );
          assert.equal(v.counters?.stream, "MPEG-TS AAC 48000 Hz 2 ch", "the status names the new format");
        });
        prop(name, P.formatGap, () => {
          const run = get();
          const v = judge(run);
          const m = run.senderMarks;
          const senderGapMs = m["part 2 first byte"]! - m["part 2 started"]!;
          const lostMs = v.disturbed.length * 10;
          assert.ok(
            lostMs <= senderGapMs + FORMAT_SLACK_MS,
            `${lostMs} ms disturbed at the change; the second ffmpeg took ${senderGapMs} ms from its start to its ` +
              `first byte; ${trace(run, v)}`,
          );
        });
      });
    }
  }

  describe(HITLESS.spec.name, { timeout: CASE_TIMEOUT_MS * 2 }, () => {
    let run: CaseRun;
    let h: HitlessVerdict;
    before(
      async () => {
        run = await runCase(HITLESS.spec);
        saveTrace(run);
        h = hitlessVerdict(run);
        console.log(`# hitless: ${h.summary}`);
      },
      { timeout: CASE_TIMEOUT_MS },
    );
    prop(HITLESS.spec.name, P.hitless, () => {
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
    });
    prop(HITLESS.spec.name, P.dropped, () => {
      for (const [id, c] of Object.entries(h.counters)) {
        assert.ok(c, `${id}'s status`);
        assert.equal(c.concealedMs, 0, `${id}: audio concealed`);
        assert.equal(c.overruns, 0, `${id}: overruns`);
        assert.equal(c.dropped, 0, `${id}: SRT packets dropped`);
        assert.equal(c.lastError, null, `${id}: TS or decoder error`);
      }
    });
    prop(HITLESS.spec.name, P.hitlessClean, () => {
      assert.ok(h.windows > 500, `${h.windows} windows judged`);
      assert.equal(
        h.disturbed,
        0,
        `${h.disturbed} of ${h.windows} windows unlike the reference; ${h.summary}`,
      );
    });
  });
});

function assertSilence(run: CaseRun, s: SilenceVerdict): void {
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
  const back = SILENCE.toSec - SILENCE.fromSec + SWITCHER.minNoiseSec + SWITCHER.returnDelaySec;
  const returnAfter = s.switches[1]!.programMs - s.silenceStartMs;
  assert.ok(
    Math.abs(returnAfter - back * 1000) <= 500,
    `return ${returnAfter.toFixed(0)} ms after the silence began (expected ${back} s: the silence, minNoiseSec, returnDelaySec)`,
  );
  assertUndisturbed(run, v);
}
