/**
 * The HLS output's public surface: constructor options, events and status, as
 * the daemon, the API and the metrics see them.
 */
import type { HlsConfig } from "../../config/schema.js";
import type { Clock } from "../../clock/clock.js";
import type { ErrorReporter } from "../../errors/reporter.js";
import type {
  EncodedStream,
  Logger,
  OutputStatus,
  ProgramHealth,
  ProgramTimeline,
} from "../../types/index.js";
import type { OriginStoreOptions, PushStats } from "./origin-store.js";

export interface HlsOutputOptions {
  channel: string;
  config: HlsConfig;
  /** One per `config.profiles` entry, in the same order. */
  streams: EncodedStream[];
  timeline: ProgramTimeline;
  health: ProgramHealth;
  log: Logger;
  clock: Clock;
  errors: ErrorReporter;
  /** Tuning of the origin push (queue, retries, transport); url and method come from config.push. */
  pushTuning?: Partial<Omit<OriginStoreOptions, "url" | "method" | "log" | "clock" | "report">>;
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
  /** Partial segments not published (run start, timeline jumps): listed as gaps. */
  partialSegments: number;
  /** Wall ms when the last segment was listed; null before the first. */
  lastSegmentWallMs: number | null;
  /** Measured, bits/s; 0 until measured. */
  peakBandwidth: number;
  averageBandwidth: number;
}

export interface HlsStatus extends OutputStatus {
  profiles: Record<string, HlsProfileStatus>;
  diskErrors: number;
  /** "ok", or why this instance would step aside (healthAware). */
  health: string;
  push: PushStats | null;
}
