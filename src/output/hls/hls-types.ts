/**
 * The HLS output's public surface: constructor options, events and status, as
 * the daemon, the API and the metrics see them.
 */
import type { HlsConfig } from "../../config/schema.js";
import type { Clock } from "../../clock/clock.js";
import type { ErrorReporter } from "../../errors/reporter.js";
import type { EncodedStream, Logger, OutputStatus, ProgramTimeline, StateStore } from "../../types/index.js";
import type { PushOptions, PushStats } from "./push.js";

export interface HlsOutputOptions {
  channel: string;
  config: HlsConfig;
  /** One per `config.profiles` entry, in the same order. */
  streams: EncodedStream[];
  timeline: ProgramTimeline;
  state: StateStore;
  log: Logger;
  clock: Clock;
  errors: ErrorReporter;
  /** Wall clock in Unix ms (retention, status); defaults to the clock's wall time. */
  now?: () => number;
  /** Tuning of the push client (queue, retries); url and method come from config.push. */
  pushTuning?: Omit<PushOptions, "url" | "method" | "log" | "clock">;
}

export interface HlsSegmentEvent {
  profile: string;
  sequence: number;
  /** Absolute path of the segment file. */
  path: string;
  /** Program pos of the segment's first sample. */
  pos: number;
  durationSec: number;
  pdtMs: number;
  bytes: number;
}

export interface HlsOutputEvents {
  segment: (s: HlsSegmentEvent) => void;
}

export interface HlsProfileStatus {
  segments: number;
  /** Wall ms (now()) when the last segment was listed; null before the first. */
  lastSegmentWallMs: number | null;
  /** Measured, bits/s; 0 until measured. */
  peakBandwidth: number;
  averageBandwidth: number;
}

export interface HlsStatus extends OutputStatus {
  profiles: Record<string, HlsProfileStatus>;
  diskErrors: number;
  push: PushStats | null;
}
