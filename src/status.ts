import type { InputLinkStatus, InputState } from "./input/channel-input.js";
import type { SwitchEvent } from "./engine/program.js";
import type { OutputStatus } from "./stages.js";

export interface LevelDb {
  rms: number;
  peak: number;
}

export interface InputStatus {
  id: string;
  kind: "srt" | "file" | "tone";
  autofallback: boolean;
  state: InputState;
  available: boolean;
  blank: boolean;
  levelDb: LevelDb;
  lufsMomentary: number | null;
  lufsShortTerm: number | null;
  bufferMs: number;
  driftPpm: number;
  unavailableSec: number;
  receivedBytes: number;
  connections: number;
  rejected: Record<string, number>;
  srt: (NonNullable<InputLinkStatus["srt"]> & { peer: string | null }) | null;
  lastError: string | null;
}

export interface ProfileStatus {
  profile: string;
  codec: "aac" | "mp3";
  bitrate: number;
  encoderRestarts: number;
  hlsSegments: number;
  lastSegmentWallMs: number | null;
}

export interface ChannelStatus {
  channel: string;
  version: string;
  uptimeSec: number;
  active: string | null;
  preferred: string | null;
  program: { blank: boolean; levelDb: LevelDb; lufsMomentary: number | null; lufsShortTerm: number | null };
  metadata: { title: string; artist: string } | null;
  inputs: InputStatus[];
  profiles: ProfileStatus[];
  outputs: (OutputStatus & { sentBytes?: number; listeners?: number | null })[];
}

export interface ChannelEvents {
  switch: (ev: SwitchEvent) => void;
  input: (ev: { id: string; state: InputState; available: boolean }) => void;
  output: (ev: { id: string; state: OutputStatus["state"] }) => void;
}

export type SwitchResult =
  { ok: true; status: ChannelStatus } | { ok: false; code: 404 | 409; message: string };

/** Everything the API and metrics need from a running channel; they never touch the audio path. */
export interface ChannelView {
  readonly channel: string;
  status(): ChannelStatus;
  ready(): { ok: true } | { ok: false; reason: string };
  requestSwitch(id: string): Promise<SwitchResult>;
  clearPreference(): ChannelStatus;
  setMetadata(meta: { title: string; artist: string }): ChannelStatus;
  on<K extends keyof ChannelEvents>(event: K, fn: ChannelEvents[K]): void;
  off<K extends keyof ChannelEvents>(event: K, fn: ChannelEvents[K]): void;
  /** Counters the metrics module reads (monotonic). */
  counters(): ChannelCounters;
}

export interface ChannelCounters {
  switches: { from: string; to: string; reason: string; count: number }[];
  outputs: { id: string; up: boolean; restarts: number; sentBytes: number; listeners: number | null }[];
  hlsPush: Record<string, number>;
  /** Event-loop lag measured on the program clock's ticks over the last minute. */
  eventLoopLag: { p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number; ticks: number };
}
