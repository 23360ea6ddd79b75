/**
 * What AudioDecoder (audio-decoder.ts) asks of a codec library: one whole frame in, the blocks
 * it completes out, and the reason when it failed. Engines count nothing and never throw on bad
 * data; AudioDecoder does the refusing, counting, PTS and re-creating for all of them.
 *
 *   aac        → FaadEngine (libfaad2)          faad-engine.ts
 *   mp2, mp3   → Mpg123Engine (libmpg123)       mpg123-engine.ts
 *   ac3, eac3  → LavcEngine (libavcodec, loaded on first use)   lavc-engine.ts
 */
export interface EngineBlock {
  /** Interleaved Float32, `samples * channels` values. */
  pcm: Float32Array;
  sampleRate: number;
  channels: number;
  /** Samples per channel. */
  samples: number;
  /** PTS (90 kHz) of the first sample as the engine knows it; NaN when it does not. */
  pts90k: number;
  /** libav's native channel mask (AV_CH_*) for the order of `pcm`, null for the default order. */
  layoutMask: bigint | null;
}

export interface EngineResult {
  blocks: EngineBlock[];
  /** Why the frame (or part of it) did not decode; null when it did. */
  error: string | null;
}

export interface CodecEngine {
  decode(data: Uint8Array, pts90k: number): EngineResult;
  /** What the engine still holds, then it forgets the stream (a discontinuity). */
  flush(): EngineBlock[];
  /** Frees everything; idempotent. */
  close(): void;
}

/**
 * The largest frame any engine is handed: ADTS frames end at 8191 bytes (13-bit length); an
 * E-AC-3 access unit may carry independent and dependent substreams of up to 4096 bytes each.
 */
export const MAX_FRAME_BYTES = 16384;

export const NO_BLOCKS: EngineResult = Object.freeze({ blocks: [], error: null }) as EngineResult;
