/**
 * The demuxer's public vocabulary: what it emits (frames, discontinuities, programs, errors)
 * and the counters it keeps. Consumers (the decoder stage, the input timeline) import from here.
 */

/** Codec of one emitted frame, read from the frame header itself. */
export type EsCodec = "aac" | "mp1" | "mp2" | "mp3" | "ac3" | "eac3";

/** Codec family a PMT entry announces ("mpeg-audio" is layer I, II or III: the header says which). */
export type StreamCodec = "aac" | "mpeg-audio" | "ac3" | "eac3";

/** One complete codec frame of the selected audio stream. */
export interface EsFrame {
  codec: EsCodec;
  /** The whole frame, header included; a copy owned by the receiver. */
  data: Buffer;
  /**
   * Presentation time in 90 kHz ticks, unwrapped: continuous across the 33-bit wrap, so it keeps
   * increasing (pts90k mod 2^33 is the PTS on the wire). Interpolated frames carry the exact
   * rational value (may be fractional), never a rounded one.
   */
  pts90k: number;
  sampleRate: number;
  /** From the frame header; 0 for ADTS channel_configuration 0 (layout in a PCE in the frame). */
  channels: number;
  /** Samples per channel in this frame. */
  samples: number;
  /** False when pts90k is the PTS of the PES this frame starts in, true when computed. */
  ptsInterpolated: boolean;
}

export type DiscontinuityReason = "program-change" | "pts-jump" | "format-change";

export interface TsDiscontinuity {
  reason: DiscontinuityReason;
  /** pts90k of the first frame after the discontinuity; null when no frame is known yet. */
  pts90k: number | null;
  /** For "pts-jump": where the stream should have continued (unwrapped 90 kHz ticks). */
  expectedPts90k: number | null;
  detail: string;
}

export interface TsStreamInfo {
  pid: number;
  streamType: number;
  kind: "audio" | "other";
  /** null for an audio stream this demuxer does not frame (caller falls back to ffmpeg). */
  codec: StreamCodec | null;
  /** Human-readable description, e.g. "AAC (ADTS)", "AAC (LATM), unsupported". */
  description: string;
}

export interface TsProgram {
  programNumber: number;
  pmtPid: number;
  pcrPid: number;
  version: number;
  streams: TsStreamInfo[];
  /** First audio stream of the program (ffmpeg's `-map 0:a:0`), or null when there is none. */
  selected: TsStreamInfo | null;
  /** True when `selected` exists and its frames will be emitted. */
  supported: boolean;
}

export type TsErrorCode =
  | "sync-lost"
  | "packet-size-204"
  | "cc-error"
  | "crc-error"
  | "pes-invalid"
  | "pes-oversize"
  | "scrambled"
  | "unsupported-stream"
  | "no-audio-stream"
  | "es-sync-lost"
  | "listener-threw";

export interface TsError {
  code: TsErrorCode;
  message: string;
  pid: number | null;
  /** Byte offset in the input of the packet concerned (bytes pushed before it). */
  byteOffset: number | null;
}

/** Last PCR seen on the selected program's PCR PID. */
export interface TsPcr {
  /** 27 MHz PCR expressed in 90 kHz ticks (base + extension / 300), unwrapped like PTS. */
  pcr90k: number;
  /** Byte offset in the input of the packet that carried it. */
  byteOffset: number;
}

export interface TsStats {
  packets: number;
  bytesIn: number;
  syncLosses: number;
  ccErrors: number;
  crcErrors: number;
  pesDropped: number;
  framesOut: number;
  framesDropped: number;
  /** Bytes skipped while looking for TS packet sync. */
  garbageBytes: number;
  /** Bytes of elementary stream skipped while looking for a valid frame header. */
  esBytesSkipped: number;
  duplicatePackets: number;
  nullPackets: number;
  /** transport_error_indicator set, adaptation_field_control 0, or an impossible adaptation field. */
  invalidPackets: number;
  scrambledPackets: number;
  /** 188, 204 (Reed-Solomon parity ignored) or 0 before the first sync. */
  packetSize: number;
  listenerErrors: number;
}

export interface TsDemuxerListener {
  frame?(f: EsFrame): void;
  discontinuity?(d: TsDiscontinuity): void;
  program?(p: TsProgram): void;
  error?(e: TsError): void;
}

export function emptyStats(): TsStats {
  return {
    packets: 0,
    bytesIn: 0,
    syncLosses: 0,
    ccErrors: 0,
    crcErrors: 0,
    pesDropped: 0,
    framesOut: 0,
    framesDropped: 0,
    garbageBytes: 0,
    esBytesSkipped: 0,
    duplicatePackets: 0,
    nullPackets: 0,
    invalidPackets: 0,
    scrambledPackets: 0,
    packetSize: 0,
    listenerErrors: 0,
  };
}
