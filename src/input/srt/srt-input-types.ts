/** The vocabulary of an SRT input: states, rejection reasons, events, status and options. */
import type { Clock } from "../../clock/clock.js";
import type { SrtOptions } from "../../config/schema.js";
import type { ErrorCode } from "../../errors/catalogue.js";
import type { ErrorReporter } from "../../errors/reporter.js";
import type { Logger } from "../../types/index.js";
import type { SrtReactor } from "./srt-reactor.js";
import type { SrtStatsSnapshot } from "./srt-stats.js";

export type SrtInputState = "listening" | "connecting" | "connected" | "idle" | "failed";

/** Bounded label values of antenne_input_rejected_total{reason}. */
export const SRT_REJECT_REASONS = ["busy", "streamid", "passphrase", "peer"] as const;
export type SrtRejectReason = (typeof SRT_REJECT_REASONS)[number];

export const REJECT_CODES: Record<SrtRejectReason, ErrorCode> = {
  busy: "ANTENNE_SRT_REJECTED_BUSY",
  streamid: "ANTENNE_SRT_REJECTED_STREAMID",
  passphrase: "ANTENNE_SRT_REJECTED_PASSPHRASE",
  peer: "ANTENNE_SRT_REJECTED_PEER",
};

export interface SrtInputEvents {
  connected: (e: { peer: string }) => void;
  disconnected: (e: { reason: string }) => void;
  rejected: (e: { reason: SrtRejectReason; peer: string | null }) => void;
  state: (e: { state: SrtInputState }) => void;
}

export interface SrtInputStatus {
  state: SrtInputState;
  peer: string | null;
  /** Publishers accepted (listener) or connections made (caller), in total. */
  connections: number;
  receivedBytes: number;
  /** Every reason of SRT_REJECT_REASONS is present; the owner may add its own reasons. */
  rejected: Record<SrtRejectReason, number> & Record<string, number>;
  srt: SrtStatsSnapshot | null;
}

export interface SrtInputOptions {
  id: string;
  srt: SrtOptions;
  /** A publisher silent this long past its usual arrival pattern gives its place to a new caller. */
  starvationMs: number;
  log: Logger;
  /**
   * What the publisher sent. `arrivalMs`: when libsrt made it available (its TSBPD delivery time),
   * on the injected clock's monotonic scale; null when libsrt gives none.
   */
  onData: (chunk: Buffer, arrivalMs: number | null) => void;
  /**
   * The owner calls `poll()` regularly (the channel: every program tick) to read what the
   * publisher sent; otherwise every packet arrival wakes the process to read it.
   */
  polled?: boolean;
  /** The process-wide reactor (one epoll set for every input of every channel). */
  reactor: SrtReactor;
  clock: Clock;
  errors: ErrorReporter;
  peerIdleTimeoutMs?: number;
  connectTimeoutMs?: number;
}
