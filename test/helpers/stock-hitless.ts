/**
 * Hitless switching between two paths of one programme: ONE ffmpeg encode (tee muxer: the same
 * MPEG-TS, identical PTS) sent over two SRT paths into two inputs of one `group`, path a through
 * a relay that only forwards, path b through one that delays every datagram by 150 ms. The signal
 * encodes time (time-signal.ts: seeded noise, every 20 ms unique). While a is on air: a manual
 * switch to b, one back to a, then path a is cut (the relay drops everything) — a failover to b.
 * Around each switch the decoded program's lag against the reference must not step: no sample
 * repeated or skipped (target ≤ 1 sample).
 */
import { join } from "node:path";
import { until } from "./proc.js";
import type { CaseContext, CaseRun, CaseSpec, SwitchRecord } from "./stock-case.js";
import { ffmpegTee } from "./stock-senders.js";
import { countersOf, type Counters } from "./stock-verdict.js";
import { jumpAt, noiseReference, trackLag, writeWav, type Jump } from "./time-signal.js";
import { sleep } from "./proc.js";

const RATE = 48000;
const SEED = 9009;
const REF_SEC = 90;
export const PATH_B_DELAY_MS = 150;
/** A 20 ms window correlating less than this with the reference is not the programme. */
export const RHO_MIN = 0.8;
const HOLD_MS = 3000;
/** The switcher's default crossfade. */
const CROSSFADE_MS = 50;
/** The program frame. */
const FRAME_MS = 20;

const listener = (port: number) => `{ mode: listener, bind: "127.0.0.1:${port}" }`;

async function during(ctx: CaseContext): Promise<void> {
  await until(
    async () => (await ctx.status()).inputs.find((i) => i.id === "b")?.available,
    10_000,
    "path b available",
  );
  await sleep(HOLD_MS);
  for (const to of ["b", "a"]) {
    const code = await ctx.switchTo(to);
    if (code !== 200) throw new Error(`POST /api/v1/switch ${to}: HTTP ${code}`);
    await sleep(HOLD_MS);
  }
  const from = ctx.sse.switches().length;
  ctx.relays.a!.cut();
  await until(
    () => ctx.sse.switches().find((e, i) => i >= from && e.data.reason === "failover"),
    8000,
    "the failover after path a was cut",
  ).catch(() => null);
  await sleep(HOLD_MS);
}

/**
 * The two-path case; `grouped: false` declares the same paths WITHOUT a group (as paths of
 * different encoders: each its own timeline), the comparison the benchmark prints.
 */
export function hitlessSpec(grouped: boolean): CaseSpec {
  const group = grouped ? { group: "prog" } : {};
  return {
    name: grouped
      ? `hitless: one ffmpeg TS over two paths of a group, path b ${PATH_B_DELAY_MS} ms later; manual both ways, failover`
      : `the same two paths without a group (each its own timeline)`,
    inputs: [
      { id: "a", ...group, srt: listener, relay: { delayMs: 0 } },
      { id: "b", ...group, srt: listener, relay: { delayMs: PATH_B_DELAY_MS } },
    ],
    onAir: "a",
    prepare: (dir) => writeWav(join(dir, "reference.wav"), noiseReference(REF_SEC, RATE, SEED), RATE),
    start: ({ ports, dir }) => ffmpegTee([ports.a!, ports.b!], ["-i", join(dir, "reference.wav")]),
    during,
  };
}

export const HITLESS: { spec: CaseSpec } = { spec: hitlessSpec(true) };

export interface HitlessVerdict {
  switches: SwitchRecord[];
  jumps: (Jump & { what: string })[];
  /** 20 ms windows of the program after a went on air, and those unlike the reference. */
  windows: number;
  disturbed: number;
  counters: Record<string, Counters | null>;
  summary: string;
}

export function hitlessVerdict(run: CaseRun): HitlessVerdict {
  const switches = run.onAirMs === null ? [] : run.events.filter((e) => e.atMs > run.onAirMs! + 1);
  const counters = { a: countersOf(run, "a"), b: countersOf(run, "b") };
  const cap = run.capture;
  const out: HitlessVerdict = { switches, jumps: [], windows: 0, disturbed: 0, counters, summary: "" };
  if (!cap || run.onAirMs === null) return { ...out, summary: `no capture (${run.captureError})` };
  const ref = noiseReference(REF_SEC, RATE, SEED);
  // Program sample i (wall w) plays reference sample ≈ (w − sender start − ~1.5 s) × rate.
  const guess = (i: number) => Math.round(((cap.wallOf(i) - run.startedMs - 1500) / 1000) * RATE) - i;
  for (const s of switches) {
    // The switch frame's first sample (PDT scale): a manual switch crossfades for 50 ms from it; a
    // failover splices within that 20 ms frame (the lost path's arrived audio first).
    const at = cap.indexOf(s.programMs);
    const guardAfterMs = s.transition === "crossfade" ? CROSSFADE_MS + 10 : FRAME_MS + 10;
    const j = jumpAt(cap.pcm, ref, at, guess(at), { radius: 2 * RATE, guardAfterMs });
    out.jumps.push({ ...j, what: `${s.from}→${s.to} (${s.reason})` });
  }
  const from = cap.indexOf(run.onAirMs + 300);
  const track = trackLag(cap.pcm, ref, from, cap.indexOf(run.endMs), guess(from), 2 * RATE);
  out.windows = track.length;
  out.disturbed = track.filter((p) => p.rho < RHO_MIN).length;
  const jumps = out.jumps.map(
    (j) =>
      `${j.what}: ${j.samples.toFixed(2)} samples (${j.ms.toFixed(3)} ms, ρ ≥ ${j.rhoMin.toFixed(3)}, ` +
      `steering ${j.steeringPpm.map((p) => p.toFixed(0)).join(" → ")} ppm)`,
  );
  out.summary =
    `${jumps.join("; ")}; ${out.disturbed}/${out.windows} windows with ρ < ${RHO_MIN}; ` +
    `target delay a ${counters.a?.targetDelayMs.toFixed(0)} ms, b ${counters.b?.targetDelayMs.toFixed(0)} ms`;
  return out;
}
