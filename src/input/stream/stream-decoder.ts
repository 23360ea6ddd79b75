/**
 * What one SRT connection's bytes become: program-format PCM placed on the input's own timeline.
 * A stream decoder is chosen per connection from its first bytes (sniffing-decoder.ts): MPEG-TS
 * is demuxed and decoded in-process with every frame's PTS (ts-decoder.ts), WAV/PCM is parsed and
 * timed by sample count (wav-decoder.ts), anything else goes through an ffmpeg process, timed by
 * sample count (process-decoder.ts).
 */

/** Where decoded audio goes (the input's TimedSource, through the SRT input). */
export interface TimedPcmSink {
  /**
   * Program-format PCM (interleaved Float32) whose first sample is at input position `t`
   * (program-rate samples on the stream's own timeline: its timestamps, or its sample count).
   * `declaredDelay`: the buffering the stream declares for it (MPEG-TS: PTS − PCR), samples.
   */
  audio(t: number, pcm: Float32Array, declaredDelay?: number): void;
  /**
   * The decoder's positions start over on another base (it changed: in-process → ffmpeg): the
   * next audio continues where the input's timeline ends.
   */
  discontinuity(reason: string): void;
  /** The program position of the arrival being decoded (the current tick). */
  arrivalPos(): number;
  /** A problem worth a log line: the decoder goes on. */
  problem(message: string, fields?: Record<string, unknown>): void;
}

export interface StreamDecoder {
  /** What it decodes, for the status ("MPEG-TS AAC 48 kHz stereo", "WAV", "ffmpeg"). */
  readonly description: string;
  push(chunk: Buffer): void;
  /** Once per program tick (a process decoder hands over what it decoded since the last one). */
  poll(): void;
  /** Bytes pushed since audio last came out: bytes that never decode are not audio. */
  readonly bytesSinceAudio: number;
  readonly lastError: string | null;
  close(): Promise<void>;
}
