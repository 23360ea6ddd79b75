/** The input stage as the channel sees it: any kind, built by a factory keyed by kind. */
import type { Logger } from "pino";
import type { Playout } from "../engine/timeline/playout.js";
import type { ErrorReporter } from "../errors/reporter.js";
import type { Runtime } from "../runtime.js";
import type { AudioFormat } from "./audio.js";

export type InputState = "connected" | "listening" | "connecting" | "idle" | "failed";

/** What the program engine reads from every input, once per program frame. */
export interface FrameSource {
  readonly id: string;
  /**
   * Fills `out` (interleaved, `frames` samples per channel) with the input's audio for the
   * program frame at position `pos`, and returns how many frames it delivered; fewer than asked
   * means the audio due ran out part-way (the input is starved: the engine splices the next input
   * in at that sample).
   */
  read(out: Float32Array, frames: number, pos: number): number;
  /** Audio held ahead of what plays now, ms. */
  bufferMs(): number;
  /** The sender's clock against the program clock, ppm (positive: the sender is fast). */
  driftPpm(): number;
  /** How the input is timed (live inputs); null for sources on the program clock. */
  timing(): InputTiming | null;
  /**
   * How long the audio has been above the silence threshold as it arrived, ms (a live input's
   * proof of noise runs while its audio waits out the delay); undefined: judged on play only.
   */
  arrivedNoiseMs?(nowMs: number): number;
}

/** The timing model's view of a live input (docs/design.md "Inputs timed by their timestamps"). */
export interface InputTiming {
  /** The delay held past the least transport delay (the jitter target) and its cap. */
  targetDelayMs: number;
  maxDelayMs: number;
  /** Program position minus input position of what plays now, seconds (null before priming). */
  offsetSec: number | null;
  /** Gaps between arrivals over the last minute, ms. */
  arrivalGapMs: { p50: number; p90: number; p99: number; max: number };
  /** Input audio concealed as silence (lost or late), and arrivals dropped by an overrun. */
  concealedMs: number;
  overruns: number;
}

/** When a program tick happens: monotonic ms and the program position due then (fractional). */
export interface TickTime {
  monoMs: number;
  pos: number;
}

/** SRT statistics of an input, as shown in the status and exported as metrics. */
export interface SrtStats {
  rttMs: number;
  /** Totals over every connection this input has had. */
  packetsReceived: number;
  packetsLost: number;
  packetsDropped: number;
  packetsRetransmitted: number;
  /** Instant values of the current connection; 0 while disconnected. */
  receiveBufferMs: number;
  receiveRateKbps: number;
}

/**
 * Kind-specific facts, under a key named after the kind (SPEC §6 names `srt` on SRT inputs);
 * a kind never fills another kind's fields.
 */
export type InputDetails =
  | { kind: "srt"; srt: SrtStats & { peer: string | null; stream: string | null } }
  | { kind: "file"; file: { path: string } }
  | { kind: "tone"; tone: { frequencyHz: number } };

/** Connection-level facts about an input (levels and availability come from the engine). */
export interface InputLinkStatus {
  state: InputState;
  receivedBytes: number;
  connections: number;
  /** Rejections and refusals by reason (bounded label values, pre-created). */
  rejected: Record<string, number>;
  decoderRestarts: number;
  lastError: string | null;
  details: InputDetails;
}

export interface InputEvents {
  /** The link state changed (connected, listening, failed …). */
  state: (e: { state: InputState }) => void;
}

/** One configured input: a source of program frames plus whatever feeds it. */
export interface ChannelInput {
  readonly id: string;
  readonly kind: InputDetails["kind"];
  readonly autofallback: boolean;
  readonly source: FrameSource;
  start(): void;
  /**
   * Inputs that can fail need `minNoiseSec` of audio to become available; a tone or a looped file
   * cannot fail and is available at once (a channel never opens on silence).
   */
  readonly canFail: boolean;
  /** Once per program tick, before its frames are read: move received audio into the source. */
  poll?(now: TickTime): void;
  link(): InputLinkStatus;
  on<K extends keyof InputEvents>(event: K, fn: InputEvents[K]): void;
  close(): Promise<void>;
}

/** What every input factory gets. */
export interface InputDeps {
  format: AudioFormat;
  /** Least delay every input holds, and the starvation rule's window (switcher section). */
  bufferMs: number;
  starvationMs: number;
  /** The silence threshold (dBFS RMS, switcher.silence.thresholdDb). */
  thresholdDb: number;
  /** The playout of the input's timeline: its group's (paths of one programme) or its own. */
  playout: (group: string | null) => Playout;
  runtime: Runtime;
  log: Logger;
  errors: ErrorReporter;
}
