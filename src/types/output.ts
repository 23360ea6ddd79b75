/** The output stage as the channel sees it: an open set of kinds, built by factories keyed by kind. */
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Clock } from "../clock/clock.js";
import type { ChannelConfig } from "../config/load.js";
import type { ErrorReporter } from "../errors/reporter.js";
import type { AudioFormat, Closable, EncodedStream } from "./audio.js";
import type { ProgramHealth, ProgramTimeline } from "./engine.js";
import type { StateStore } from "./state.js";

export type OutputState =
  "starting" | "connecting" | "connected" | "running" | "backoff" | "failed" | "stopped";

/** Status of an output, shown in /api/v1/status and as metrics. */
export interface OutputStatus {
  id: string;
  kind: string;
  state: OutputState;
  /** Delivering to its audience right now (antenne_output_up). */
  up: boolean;
  restarts: number;
  lastError: string | null;
  sentBytes: number;
  /** Kind-specific facts (HLS profiles and push, Icecast listeners …). */
  [detail: string]: unknown;
}

export interface OutputEvents {
  state: (e: { state: OutputState }) => void;
}

export interface Output extends Closable {
  readonly id: string;
  readonly kind: string;
  start(): void;
  status(): OutputStatus;
  on<K extends keyof OutputEvents>(event: K, fn: OutputEvents[K]): void;
  /** Contributes to /readyz (e.g. HLS: a fresh segment in every variant). */
  ready?(): { ok: true } | { ok: false; reason: string };
  /** Now-playing information (Icecast mounts). */
  setMetadata?(meta: { title: string; artist: string }): void;
}

/** What every output factory gets. */
export interface OutputContext {
  channel: string;
  format: AudioFormat;
  /** The encoded stream of a profile (encoded once, shared by every output of the profile). */
  stream(profile: string): EncodedStream;
  timeline: ProgramTimeline;
  health: ProgramHealth;
  state: StateStore;
  clock: Clock;
  log: Logger;
  errors: ErrorReporter;
}

/** One kind of output: how to find its entries in a channel file and build them. */
export interface OutputKind<C> {
  readonly kind: string;
  entries(cfg: ChannelConfig): C[];
  /** The profiles an entry consumes (only profiles some output uses are encoded). */
  profiles(entry: C): string[];
  create(entry: C, ctx: OutputContext): Output;
  /** Kind-specific metrics, registered once per channel over every output of the kind. */
  registerMetrics?(registry: Registry, outputs: () => Output[]): void;
}
