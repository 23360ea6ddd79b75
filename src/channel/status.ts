/** Projections of the channel's parts into the status the API and metrics read. */
import type { MeteredInput } from "../engine/switch-driver.js";
import type { ProgramClock } from "../engine/program-clock.js";
import type { ChannelInput, EncodedStream } from "../types/index.js";
import { lufs, type ProgramMeter } from "./program-meter.js";
import type { InputStatus, ProfileStatus, ProgramStatus } from "./view.js";

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

export function inputStatus(input: ChannelInput, priority: number, m: MeteredInput): InputStatus {
  const link = input.link();
  const timing = input.source.timing();
  return {
    id: input.id,
    autofallback: input.autofallback,
    priority,
    state: link.state,
    available: m.health.available,
    blank: m.health.blank,
    levelDb: { rms: round1(m.level.rmsDb), peak: round1(m.level.peakDb) },
    lufsMomentary: lufs(m.loudness.momentary),
    lufsShortTerm: lufs(m.loudness.shortTerm),
    bufferMs: Math.round(input.source.bufferMs()),
    targetDelayMs: Math.round(timing?.targetDelayMs ?? 0),
    maxDelayMs: Math.round(timing?.maxDelayMs ?? 0),
    timing: timing && {
      offsetSec: timing.offsetSec === null ? null : Math.round(timing.offsetSec * 1e4) / 1e4,
      arrivalGapMs: timing.arrivalGapMs,
      concealedMs: Math.round(timing.concealedMs),
      overruns: timing.overruns,
    },
    driftPpm: input.source.driftPpm(),
    unavailableSec: Math.round(m.health.unavailableMs) / 1000,
    receivedBytes: link.receivedBytes,
    connections: link.connections,
    rejected: link.rejected,
    lastError: link.lastError,
    ...link.details,
  };
}

/** The program's part of the status: what listeners hear, and the clock it is on. */
export function programStatus(
  meter: ProgramMeter,
  clock: Pick<ProgramClock, "offsetMs" | "reanchorCounts">,
  degraded: string | null,
): ProgramStatus {
  return {
    blank: meter.blank,
    levelDb: { rms: round1(meter.level.rmsDb), peak: round1(meter.level.peakDb) },
    lufsMomentary: meter.lufsMomentary,
    lufsShortTerm: meter.lufsShortTerm,
    degraded,
    clockOffsetMs: round1(clock.offsetMs()),
    // Jumps forward and pauses for a backward step (ProgramClock counts both).
    clockReanchors: Object.values(clock.reanchorCounts()).reduce((a, b) => a + b, 0),
  };
}

export function profileStatus(e: EncodedStream & { restarts: number }): ProfileStatus {
  return { profile: e.profile, codec: e.codec, bitrate: e.bitrate, encoderRestarts: e.restarts };
}
