/**
 * What a stock-sender case run (stock-case.ts) shows, in numbers: time to air, switches after it,
 * disturbed 10 ms windows of the decoded program judged against what the switch events say is on
 * air (tone-windows.ts), whether each status poll named the input the events name, and the input's
 * own counters (jitter target, arrival gaps, concealed audio, overruns, SRT loss). Pure: the test
 * asserts on it, the benchmark prints it.
 */
import type { InputStatus } from "../../src/channel/view.js";
import { SAFETY_HZ, SWITCHER, type CaseRun, type SwitchRecord } from "./stock-case.js";
import { disturbedWindows, dominantTone, fitTones, type Expected } from "./tone-windows.js";

/**
 * Around a switch the program is in transition: from its sample (exact, `programMs`) through the
 * crossfade (50 ms), with the HLS mapping's slack (PDT in whole ms, the codec's smearing).
 */
const SWITCH_BEFORE_MS = 15;
const SWITCH_AFTER_MS = 80;
/** A status poll this close to a switch event may see either side. */
const POLL_GUARD_MS = 300;
const RATE = 48000;

export interface ToneExpectations {
  /** The input under test. */
  input: string;
  /** Every tone its sender may send. */
  freqs: number[];
  /** What that input should sound like at a wall time (default: one of `freqs`). */
  inputExpect?: (wallMs: number) => Expected;
  /** Judged span (wall ms); default: on air + 300 ms to the end of the observation. */
  fromMs?: number;
  toMs?: number;
}

export interface Counters {
  targetDelayMs: number;
  /** Largest target seen in any poll while the case ran. */
  targetDelayMaxMs: number;
  arrivalGapMaxMs: number;
  concealedMs: number;
  overruns: number;
  lost: number;
  dropped: number;
  retransmitted: number;
  lastError: string | null;
  stream: string | null;
  driftPpm: number;
  rejected: Record<string, number>;
}

/** When the input got there, ms after the sender started (null: never). */
export interface AirPath {
  connectedMs: number | null;
  /** The input's playout first planned a read: the first audio was decoded (its first log line). */
  firstAudioMs: number | null;
  availableMs: number | null;
  onAirMs: number | null;
}

export interface ToneVerdict {
  name: string;
  timeToAirMs: number | null;
  path: AirPath;
  boundMs: number;
  switchesAfterOnAir: SwitchRecord[];
  judgedSec: number;
  windows: number;
  disturbed: { wallMs: number; why: string }[];
  refAmps: Record<number, number>;
  statusMismatches: { atMs: number; status: string | null; events: string | null }[];
  /** The API's SSE switch events are the channel's (from, to, reason), in order. */
  sseAgrees: boolean;
  counters: Counters | null;
  /** Input-related error codes counted by the daemon. */
  inputErrors: Record<string, number>;
}

export const AIR_BOUND_MS = 1000 + (SWITCHER.minNoiseSec + SWITCHER.returnDelaySec) * 1000;

/** The input the events say is on air at wall time `ms` (null before the first). */
export function activeAt(events: SwitchRecord[], ms: number): string | null {
  let active: string | null = null;
  for (const e of events) if (e.atMs <= ms) active = e.to;
  return active;
}

function nearSwitch(events: SwitchRecord[], ms: number, guard: number): boolean {
  return events.some((e) => Math.abs(e.atMs - ms) < guard);
}

/** True when [ms, ms + lenMs) overlaps a switch's transition in the program. */
function inTransition(events: SwitchRecord[], ms: number, lenMs: number): boolean {
  return events.some(
    (e) => ms + lenMs > e.programMs - SWITCH_BEFORE_MS && ms < e.programMs + SWITCH_AFTER_MS,
  );
}

/** The input the program plays at program time `ms` (PDT scale). */
export function playingAt(events: SwitchRecord[], ms: number): string | null {
  let active: string | null = null;
  for (const e of events) if (e.programMs <= ms) active = e.to;
  return active;
}

export function countersOf(run: CaseRun, id: string): Counters | null {
  const i = run.final?.inputs.find((x) => x.id === id);
  if (!i || i.kind !== "srt") return null;
  const targets = run.polls.map((p) => p.inputs.find((x) => x.id === id)?.targetDelayMs ?? 0);
  return {
    targetDelayMs: i.targetDelayMs,
    targetDelayMaxMs: Math.max(i.targetDelayMs, ...targets),
    arrivalGapMaxMs: maxGap(run, id),
    concealedMs: i.timing?.concealedMs ?? 0,
    overruns: i.timing?.overruns ?? 0,
    lost: i.srt.packetsLost,
    dropped: i.srt.packetsDropped,
    retransmitted: i.srt.packetsRetransmitted,
    lastError: i.lastError,
    stream: i.srt.stream,
    driftPpm: i.driftPpm,
    rejected: i.rejected,
  };
}

export function airPath(run: CaseRun, id: string): AirPath {
  const rel = (ms: number | undefined) => (ms === undefined ? null : ms - run.startedMs);
  const mine = run.inputEvents.filter((x) => x.id === id && x.atMs >= run.startedMs);
  return {
    connectedMs: rel(mine.find((x) => x.state === "connected")?.atMs),
    firstAudioMs: rel(
      run.logs.find(
        (l) => l.msg === "input target delay changed" && l.fromMs === 0 && Number(l.time) >= run.startedMs,
      )?.time as number | undefined,
    ),
    availableMs: rel(mine.find((x) => x.available)?.atMs),
    onAirMs: rel(run.onAirMs ?? undefined),
  };
}

/** The largest arrival gap any poll reported (the status keeps the last minute). */
function maxGap(run: CaseRun, id: string): number {
  const gap = (i: InputStatus | undefined) => i?.timing?.arrivalGapMs.max ?? 0;
  return Math.max(
    gap(run.final?.inputs.find((x) => x.id === id)),
    ...run.polls.map((p) => gap(p.inputs.find((x) => x.id === id))),
  );
}

/** Each tone's level in this program: the median amplitude of the windows where it dominates. */
function refAmps(x: Float32Array, from: number, to: number, freqs: number[]): Record<number, number> {
  const n = RATE / 100;
  const amps: number[][] = freqs.map(() => []);
  for (let s = from; s + n <= to; s += n) {
    const f = fitTones(x, s, n, freqs, RATE);
    const top = f.amps.indexOf(Math.max(...f.amps));
    if (f.amps[top]! > 0.02) amps[top]!.push(f.amps[top]!);
  }
  return Object.fromEntries(
    freqs.map((f, k) => {
      const a = amps[k]!.sort((p, q) => p - q);
      return [f, a[Math.floor(a.length / 2)] ?? 0.125];
    }),
  );
}

export function statusMismatches(run: CaseRun): ToneVerdict["statusMismatches"] {
  return run.polls
    .filter((p) => run.onAirMs !== null && p.atMs >= run.onAirMs && p.atMs <= run.endMs)
    .filter((p) => !nearSwitch(run.events, p.atMs, POLL_GUARD_MS))
    .map((p) => ({ atMs: p.atMs, status: p.active, events: activeAt(run.events, p.atMs) }))
    .filter((m) => m.status !== m.events);
}

export function sseAgrees(run: CaseRun): boolean {
  const key = (e: { from: string | null; to: string | null; reason: string }) =>
    `${e.from}>${e.to}:${e.reason}`;
  const sse = run.sseEvents.map(key);
  const all = run.events.map(key);
  return sse.length > 0 && sse.join() === all.slice(all.length - sse.length).join();
}

export function inputErrors(run: CaseRun): Record<string, number> {
  return Object.fromEntries(
    Object.entries(run.errors).filter(([k, v]) => k.startsWith("ANTENNE_INPUT") && v > 0),
  );
}

/** The verdict on a case whose input sends tones (and maybe silence). */
export function toneVerdict(run: CaseRun, e: ToneExpectations): ToneVerdict {
  const freqs = [...e.freqs, SAFETY_HZ];
  const cap = run.capture;
  const fromMs = e.fromMs ?? (run.onAirMs ?? run.endMs) + 300;
  const toMs = e.toMs ?? run.endMs;
  const base: ToneVerdict = {
    name: run.name,
    timeToAirMs: run.onAirMs === null ? null : run.onAirMs - run.startedMs,
    path: airPath(run, e.input),
    boundMs: AIR_BOUND_MS,
    switchesAfterOnAir: run.onAirMs === null ? [] : run.events.filter((x) => x.atMs > run.onAirMs! + 1),
    judgedSec: 0,
    windows: 0,
    disturbed: [],
    refAmps: {},
    statusMismatches: statusMismatches(run),
    sseAgrees: sseAgrees(run),
    counters: countersOf(run, e.input),
    inputErrors: inputErrors(run),
  };
  if (!cap || run.onAirMs === null) return base;
  const [from, to] = [cap.indexOf(fromMs), cap.indexOf(toMs)];
  const amps = refAmps(cap.pcm, from, to, freqs);
  const inputExpect =
    e.inputExpect ??
    (() => ({ kind: "oneOf", options: e.freqs.map((f) => ({ kind: "tone", freq: f })) }) as Expected);
  const expectedAt = (i: number): Expected => {
    const w = cap.wallOf(i);
    if (inTransition(run.events, w, 10)) return { kind: "any" };
    const active = playingAt(run.events, w);
    if (active === "safety") return { kind: "tone", freq: SAFETY_HZ };
    if (active === e.input) return inputExpect(w);
    return { kind: "silence" };
  };
  const r = disturbedWindows(cap.pcm, from, to, freqs, expectedAt, (f) => amps[f] ?? 0.125);
  return {
    ...base,
    judgedSec: (to - from) / RATE,
    windows: r.windows,
    disturbed: r.disturbed.map((d) => ({ wallMs: cap.wallOf(d.at), why: d.why })),
    refAmps: amps,
  };
}

/** Disturbed windows grouped into runs (wall ms, length), for a readable failure message. */
export function disturbedRuns(v: ToneVerdict, t0: number): string {
  const runs: { from: number; ms: number; why: string }[] = [];
  for (const d of v.disturbed) {
    const last = runs.at(-1);
    if (last && d.wallMs - (last.from + last.ms) <= 10.5) last.ms = d.wallMs + 10 - last.from;
    else runs.push({ from: d.wallMs, ms: 10, why: d.why });
  }
  return runs
    .slice(0, 12)
    .map((r) => `+${((r.from - t0) / 1000).toFixed(2)} s for ${r.ms} ms (${r.why})`)
    .join("; ");
}

/** Seconds of the program (from on air to the end) where each of `freqs` is the tone heard. */
export function heardSeconds(run: CaseRun, freqs: number[]): Record<number, number> {
  const out: Record<number, number> = Object.fromEntries(freqs.map((f) => [f, 0]));
  const cap = run.capture;
  if (!cap || run.onAirMs === null) return out;
  const all = [...freqs, SAFETY_HZ];
  const n = RATE / 100;
  for (let s = cap.indexOf(run.onAirMs); s + n <= cap.indexOf(run.endMs); s += n) {
    const f = dominantTone(cap.pcm, s, all);
    if (f !== null && f in out) out[f]! += 0.01;
  }
  return Object.fromEntries(Object.entries(out).map(([k, x]) => [k, Math.round(x * 100) / 100]));
}
