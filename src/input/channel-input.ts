import type { FrameSource } from "../engine/input-buffer.js";

export type InputState = "connected" | "listening" | "connecting" | "idle" | "failed";

export interface SrtStats {
  rttMs: number;
  packetsReceived: number;
  packetsLost: number;
  packetsDropped: number;
  packetsRetransmitted: number;
  receiveBufferMs: number;
  receiveRateKbps: number;
}

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
  link(): InputLinkStatus;
  close(): Promise<void>;
}
