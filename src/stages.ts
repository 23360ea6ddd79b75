/**
 * The narrow interfaces stages use to talk to each other. A stage imports these,
 * never a sibling's internals.
 */
import type { Logger } from "pino";

export type { Logger };

/** The program format. Program PCM is interleaved Float32 in [-1, 1]. */
export interface AudioFormat {
  sampleRate: 44100 | 48000;
  channels: 1 | 2;
}

export type Codec = "aac" | "mp3";

/** One encoded elementary-stream frame: one ADTS AAC frame or one MP3 frame. */
export interface EncodedFrame {
  data: Buffer;
  /**
   * Program sample index (per channel, counted from the program clock's start) of
   * the frame's first sample. Every encoder of a codec started at the same pos lands on the
   * same grid, which is what lets the HLS packager cut every variant at the same sample.
   */
  pos: number;
  /** Samples per channel: 1024 (AAC-LC) or 1152 (MP3 at 32–48 kHz). */
  samples: number;
}

export interface EncodedStreamEvents {
  frame: (f: EncodedFrame) => void;
  /**
   * The encoder died and a new one runs; its frames start at `pos` (a pos at or before the
   * last frame already emitted: consumers drop what they already have). The codec's
   * state was reset: HLS marks a discontinuity.
   */
  restart: (info: { pos: number; reason: string }) => void;
}

/** The output of one profile's encoder, fanned out to every consumer (HLS, Icecast). */
export interface EncodedStream {
  readonly profile: string;
  readonly codec: Codec;
  /** Nominal bit rate, bits/s. */
  readonly bitrate: number;
  readonly format: AudioFormat;
  on<K extends keyof EncodedStreamEvents>(event: K, fn: EncodedStreamEvents[K]): void;
  off<K extends keyof EncodedStreamEvents>(event: K, fn: EncodedStreamEvents[K]): void;
  /**
   * A consumer that needs a restarted encoder to start from an earlier pos (the HLS
   * packager: the start of its open segment, so the variant's segment stays whole) says so here.
   * The encoder restarts at the minimum over anchors, bounded by its PCM history.
   */
  addRestartAnchor(fn: () => number | null): void;
}

/** Maps program time to wall-clock time (for PROGRAM-DATE-TIME and segment names). */
export interface ProgramTimeline {
  /** Unix time in ms at which the program clock played sample `pos`. */
  wallMsOf(pos: number): number;
  /** Current program position (samples per channel emitted so far). */
  readonly pos: number;
}

/** Persisted state (statePath): small JSON written atomically. */
export interface StateStore {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
}

/** Status of an output, shown in /api/v1/status and as metrics. */
export interface OutputStatus {
  id: string;
  kind: "hls" | "icecast";
  state: "starting" | "connecting" | "connected" | "running" | "backoff" | "failed" | "stopped";
  restarts: number;
  lastError: string | null;
}

export interface Closable {
  /** Idempotent; releases everything the component owns. */
  close(): Promise<void>;
}
