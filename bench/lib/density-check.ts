/**
 * Whether one channel ran in real time over a density step's window (pure): no late segment,
 * no audio gap, its event loop on time, nothing else wrong.
 */
import type { JobHealth } from "./job.js";

export interface ChannelWindow {
  /** How late each segment of the window was listed against the channel's cadence, s. */
  latenessS: number[];
  /** Segments listed in the window, and how many a real-time channel lists at least. */
  segments: number;
  expectedSegments: number;
  /** Silences found in the decoded output of the window (the senders never go quiet). */
  gapsMs: number[];
  /** Health counters over the window (deltas) and at its end. */
  health: JobHealth;
  /** Anything the job checks found (exited, mounts, input on air). */
  problems: string[];
}

export interface Limits {
  lateS: number;
  lagP99Ms: number;
}

export const DEFAULT_LIMITS: Limits = { lateS: 1, lagP99Ms: 20 };

/** Why the channel did not run in real time; empty when it did. */
export function realTimeProblems(w: ChannelWindow, limits: Limits = DEFAULT_LIMITS): string[] {
  const out = [...w.problems];
  const late = w.latenessS.filter((x) => x > limits.lateS);
  if (late.length) out.push(`${late.length} late segments (worst ${Math.max(...late).toFixed(2)} s)`);
  if (w.segments < w.expectedSegments)
    out.push(`${w.segments} segments listed, expected ≥ ${w.expectedSegments}`);
  if (w.gapsMs.length)
    out.push(`${w.gapsMs.length} audio gaps (longest ${Math.max(...w.gapsMs).toFixed(0)} ms)`);
  const h = w.health;
  if (h.lagP99Ms !== undefined && !(h.lagP99Ms < limits.lagP99Ms))
    out.push(`event-loop lag p99 ${h.lagP99Ms.toFixed(1)} ms`);
  if (h.concealedMs) out.push(`${h.concealedMs.toFixed(0)} ms of input concealed`);
  if (h.clockSlips) out.push(`${h.clockSlips} program clock slips`);
  if (h.switches) out.push(`${h.switches} switches`);
  return out;
}
