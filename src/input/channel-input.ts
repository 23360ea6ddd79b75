import type { FrameSource } from "../engine/input-buffer.js";
import type { SrtStatsSnapshot } from "./srt/srt-stats.js";

export type InputState = "connected" | "listening" | "connecting" | "idle" | "failed";

/** The SRT statistics shape is owned by the SRT stage. */
export type SrtStats = SrtStatsSnapshot;

/** Connection-level facts about an input (levels and availability come from the engine). */
export interface InputLinkStatus {
  state: InputState;
  peer: string | null;
  receivedBytes: number;
  connections: number;
  rejected: Record<string, number>;
  srt: SrtStats | null;
  decoderRestarts: number;
  lastError: string | null;
}

/** One configured input: a source of program frames plus whatever feeds it. */
export interface ChannelInput {
  readonly id: string;
  readonly kind: "srt" | "file" | "tone";
  readonly autofallback: boolean;
  readonly source: FrameSource;
  start(): void;
  /** Once per program tick, before its frames are read: move decoded audio into the source. */
  poll?(nowMs: number): void;
  link(): InputLinkStatus;
  close(): Promise<void>;
}
