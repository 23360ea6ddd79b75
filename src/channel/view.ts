/**
 * The channel as the API and the metrics see it. They never touch the audio path: everything here
 * is a snapshot or an event, and the channel answers with result codes (only the API maps them to
 * HTTP).
 */
import type { ErrorCode } from "../errors/catalogue.js";
import type { InputDetails, InputState, OutputState, OutputStatus, SwitchEvent } from "../types/index.js";

export interface LevelDb {
  rms: number;
  peak: number;
}

/** One input in /api/v1/status; kind-specific facts sit under the kind's key (`srt`, `file`, `tone`). */
export type InputStatus = {
  id: string;
  autofallback: boolean;
  /** 0 = top of the channel file's list (the fallback priority). */
  priority: number;
  state: InputState;
  available: boolean;
  blank: boolean;
  levelDb: LevelDb;
  lufsMomentary: number | null;
  lufsShortTerm: number | null;
  bufferMs: number;
  /** The delay the input holds (its jitter target) and the most it may grow to. */
  targetDelayMs: number;
  maxDelayMs: number;
  /** Live inputs: the sender-to-program offset, arrival gaps, concealed audio; null otherwise. */
  timing: {
    offsetSec: number | null;
    arrivalGapMs: { p50: number; p90: number; p99: number; max: number };
    concealedMs: number;
    overruns: number;
  } | null;
  driftPpm: number;
  unavailableSec: number;
  receivedBytes: number;
  connections: number;
  rejected: Record<string, number>;
  lastError: string | null;
} & InputDetails;

export interface ProfileStatus {
  profile: string;
  codec: "aac" | "mp3";
  bitrate: number;
  encoderRestarts: number;
}

export interface ProgramStatus {
  blank: boolean;
  levelDb: LevelDb;
  lufsMomentary: number | null;
  lufsShortTerm: number | null;
  /** Why a peer instance should serve listeners instead (safety source, blank), else null. */
  degraded: string | null;
  /** Wall clock minus program clock, ms. */
  clockOffsetMs: number;
  /** Times the program timeline was re-anchored on the wall clock. */
  clockReanchors: number;
}

export interface ChannelStatus {
  channel: string;
  version: string;
  uptimeSec: number;
  active: string | null;
  preferred: string | null;
  program: ProgramStatus;
  metadata: { title: string; artist: string } | null;
  inputs: InputStatus[];
  profiles: ProfileStatus[];
  outputs: OutputStatus[];
}

export interface ChannelEvents {
  switch: (ev: SwitchEvent) => void;
  input: (ev: { id: string; state: InputState; available: boolean; blank: boolean }) => void;
  output: (ev: { id: string; state: OutputState }) => void;
  /** A catalogued error happened (docs/errors.md). */
  problem: (ev: { code: ErrorCode; message: string; input?: string; output?: string }) => void;
}

export type SwitchResult =
  | { ok: true; status: ChannelStatus }
  | { ok: false; code: "unknown-input" | "unavailable" | "refused"; message: string };

export type Readiness = { ok: true } | { ok: false; reason: string };

/** Everything the API and metrics need from a running channel. */
export interface ChannelView {
  readonly channel: string;
  status(): ChannelStatus;
  ready(): Readiness;
  requestSwitch(id: string): Promise<SwitchResult>;
  clearPreference(): Promise<ChannelStatus>;
  setMetadata(meta: { title: string; artist: string }): ChannelStatus;
  on<K extends keyof ChannelEvents>(event: K, fn: ChannelEvents[K]): void;
  off<K extends keyof ChannelEvents>(event: K, fn: ChannelEvents[K]): void;
  /** Counters the metrics module reads (monotonic). */
  counters(): ChannelCounters;
}

export interface ChannelCounters {
  switches: { from: string; to: string; reason: string; count: number }[];
  errors: ReadonlyMap<ErrorCode, number>;
  /** Event-loop lag measured on the program clock's ticks over the last minute. */
  eventLoopLag: { p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number; ticks: number };
}
