/** A running channel job (antenne, the ffmpeg floor or Liquidsoap), as the benches drive it. */
export interface Job {
  readonly name: string;
  /** The root of the job's process tree (what is measured). */
  readonly pid: number;
  /** The watched variant's media playlist. */
  readonly playlist: string;
  /** Icecast mounts ("/x") the job feeds. */
  readonly mounts: string[];
  /** The input on air now (label), or null when the job cannot tell. */
  onAir(): Promise<string | null>;
  /** Job-specific health facts since start, for the run's log line (never throws). */
  health(): Promise<JobHealth>;
  /** SIGTERM, SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void>;
  readonly exited: boolean;
  /** The job's Prometheus endpoint, when it has one (antenne). */
  readonly metricsUrl?: string;
}

export interface JobHealth {
  /** Event-loop lag p99 over the last minute, ms (antenne only). */
  lagP99Ms?: number;
  /** Audio concealed (missing) on the input on air, ms since start. */
  concealedMs?: number;
  /** Program clock re-anchors (antenne) or "catchup" warnings (Liquidsoap). */
  clockSlips?: number;
  /** The delay the input on air holds (antenne: its jitter target), ms. */
  delayMs?: number;
  /** antenne: the on-air input's audio buffered ahead of its read position, ms (status `bufferMs`). */
  bufferedMs?: number;
  /** Switches since start. */
  switches?: number;
}
