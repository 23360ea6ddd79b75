/** What an Icecast source output is built from, and what its status adds to every output's. */
import type { Clock } from "../../clock/clock.js";
import type { IcecastConfig } from "../../config/load.js";
import type { ErrorReporter } from "../../errors/reporter.js";
import type { EncodedStream, Logger, OutputStatus } from "../../types/index.js";
import type { BackoffOptions } from "../../util/backoff.js";

export interface IcecastOutputStatus extends OutputStatus {
  /** Frames dropped because the server did not keep up (monotonic). */
  droppedFrames: number;
  /** Listeners on the mount from the admin stats; null without admin access or when unknown. */
  listeners: number | null;
}

export interface IcecastOutputOptions {
  config: IcecastConfig;
  stream: EncodedStream;
  log: Logger;
  clock: Clock;
  errors: ErrorReporter;
  backoff?: BackoffOptions;
  /** A connection that streamed this long resets the backoff to its first step. */
  backoffResetAfterMs?: number;
  /** Connect + server answer must complete within this. */
  handshakeTimeoutMs?: number;
  /** Audio the socket may hold before frames are dropped, in seconds at the nominal bitrate. */
  maxQueueSec?: number;
  /** Dropping frames without a break this long means the server stopped reading: reconnect. */
  stallTimeoutMs?: number;
  adminPollIntervalMs?: number;
  /** Sent as `ice-url`. */
  homepage?: string;
  /**
   * Frames are gathered this long and leave in one write (default 250 ms; 0: one write per
   * program tick). Each write costs a syscall and a wake-up of the server, the daemon's largest
   * single cost on the SPEC job (docs/benchmarks.md); listeners' players buffer seconds anyway.
   */
  flushMs?: number;
}
