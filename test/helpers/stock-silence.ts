/**
 * The digital-silence case judged: where the sender's silence begins in the program (the first
 * 100 ms below -40 dBFS after the input went on air), and what must be heard around it — the
 * input's tone before, its silence for as long as it is on air during the 5 s (until the blank
 * switch), the safety's tone while the events say the safety is on air, the input's tone again
 * after the return. The switch times are checked by the test against maxBlankSec and
 * minNoiseSec + returnDelaySec from that start.
 */
import type { CaseRun, SwitchRecord } from "./stock-case.js";
import { SILENCE, TONE_HZ } from "./stock-matrix.js";
import { fitTones, type Expected } from "./tone-windows.js";
import { toneVerdict, type ToneVerdict } from "./stock-verdict.js";

const RATE = 48000;
const EDGE_MS = 25;

export interface SilenceVerdict {
  verdict: ToneVerdict;
  /** Wall ms where the sender's silence starts in the program (null: never heard). */
  silenceStartMs: number | null;
  switches: SwitchRecord[];
  summary: string;
}

/** Wall ms of the first 100 ms of silence in the program at or after `fromMs`. */
function silenceStart(run: CaseRun, fromMs: number): number | null {
  const cap = run.capture;
  if (!cap) return null;
  const n = RATE / 100;
  let quiet = 0;
  for (let s = cap.indexOf(fromMs); s + n <= cap.pcm.length; s += n) {
    quiet = fitTones(cap.pcm, s, n, [TONE_HZ], RATE).rms < 0.01 ? quiet + 1 : 0;
    if (quiet === 10) return cap.wallOf(s - 9 * n);
  }
  return null;
}

export function silenceVerdict(run: CaseRun): SilenceVerdict {
  const start = run.onAirMs === null ? null : silenceStart(run, run.onAirMs + 300);
  const lengthMs = (SILENCE.toSec - SILENCE.fromSec) * 1000;
  const inputExpect = (w: number): Expected => {
    if (start === null) return { kind: "tone", freq: TONE_HZ };
    const edge = Math.min(Math.abs(w - start), Math.abs(w - (start + lengthMs)));
    if (edge <= EDGE_MS) return { kind: "any" };
    return w > start && w < start + lengthMs ? { kind: "silence" } : { kind: "tone", freq: TONE_HZ };
  };
  const verdict = toneVerdict(run, { input: "main", freqs: [TONE_HZ], inputExpect });
  const switches = verdict.switchesAfterOnAir;
  const rel = (ms: number) => (start === null ? "?" : `${((ms - start) / 1000).toFixed(2)} s`);
  const summary =
    `silence heard from +${start === null ? "never" : ((start - run.startedMs) / 1000).toFixed(2)} s; ` +
    `switches after it: ${switches.map((e) => `${e.from}→${e.to} (${e.reason}) at ${rel(e.atMs)}`).join(", ")}`;
  return { verdict, silenceStartMs: start, switches, summary };
}
