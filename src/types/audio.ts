/** The program's audio format and the encoded frames every output consumes. */
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
   * Program position of the frame's first sample: samples since the Unix epoch at the program
   * rate (see ProgramTimeline). Encoder runs start on a grid every codec's frames fit, so every
   * encoder of a codec lands on the same frame grid whichever instance or run produced it.
   */
  pos: number;
  /** Samples per channel: 1024 (AAC-LC) or 1152 (MP3 at 32–48 kHz). */
  samples: number;
}

export interface EncodedStreamEvents {
  frame: (f: EncodedFrame) => void;
  /**
   * The encoder died (or the program timeline jumped) and a new run starts at `pos` (at or before
   * the last frame emitted when it is a crash: consumers drop what they already have). The codec
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

export interface Closable {
  /** Idempotent; releases everything the component owns. */
  close(): Promise<void>;
}
