/**
 * One input's in-process audio decoder: one whole codec frame in (ADTS AAC frame with its
 * header, MPEG audio layer II/III frame, AC-3 / E-AC-3 syncframe) with its PTS, 0..n blocks of
 * interleaved Float32 out, each with the PTS of its first sample. The codec libraries are
 * engines (codec-engine.ts): libfaad2 for AAC, libmpg123 for MPEG audio, libavcodec for AC-3
 * and E-AC-3 only, so a channel without Dolby inputs never maps libavcodec and its ~99
 * dependent libraries.
 *
 * Bad input never throws: a frame refused here (size, header), failed by the engine, or decoded
 * to samples no programme has (NaN, above +6 dBFS) is counted (`errors`, `lastError`) and yields no block, so the caller conceals the gap; after
 * `errorBudget` consecutive engine errors the engine is re-created from scratch. Sample rate
 * and channel changes mid-stream are followed; each block says what it carries. All calls
 * synchronous on the main thread (see libav.ts).
 */
import { MAX_FRAME_BYTES, type CodecEngine, type EngineBlock, type EngineResult } from "./codec-engine.js";

export { MAX_FRAME_BYTES };
import { FaadEngine } from "./faad-engine.js";
import { frameProblem } from "./frame-header.js";
import { LavcEngine } from "./lavc-engine.js";
import type { Libav } from "./libav.js";
import { Mpg123Engine } from "./mpg123-engine.js";

export type DecoderCodec = "aac" | "mp2" | "mp3" | "ac3" | "eac3";

export type EngineFactory = (lib: Libav) => CodecEngine;

const ENGINES: Record<DecoderCodec, EngineFactory> = {
  aac: (lib) => new FaadEngine(lib.faad),
  mp2: (lib) => new Mpg123Engine(lib.mpg123),
  mp3: (lib) => new Mpg123Engine(lib.mpg123),
  ac3: (lib) => new LavcEngine(lib, "ac3"),
  eac3: (lib) => new LavcEngine(lib, "eac3"),
};

const MAX_CHANNELS = 8;
/**
 * A block peaking above +6 dBFS is damage, not audio: decoding a real programme overshoots full
 * scale by a dB or two at most, while a corrupt MPEG audio payload decodes to +10 to +100 dBFS
 * (libmpg123 checks no CRC and clips nothing; measured in libav-errors.test.ts).
 */
const MAX_PEAK = 2;

function peakOf(pcm: Float32Array): number {
  let peak = 0;
  for (let i = 0; i < pcm.length; i++) {
    const v = Math.abs(pcm[i]!);
    if (v > peak || v !== v) peak = v !== v ? Infinity : v;
  }
  return peak;
}

export interface DecodedBlock extends EngineBlock {
  /**
   * PTS (90 kHz) of the first sample: the frame's, or, when it has none, the previous block's
   * end (then fractional in general); NaN when neither is known.
   */
  pts90k: number;
}

export interface AudioDecoderOptions {
  /** Consecutive decoder errors after which the engine is re-created (default 8). */
  errorBudget?: number;
  /** Frames larger than this are refused before they reach the engine (default and cap 16384). */
  maxFrameBytes?: number;
  /** Engines other than the stock ones (tests: an engine that throws). */
  engines?: Partial<Record<DecoderCodec, EngineFactory>>;
}

export class AudioDecoder {
  /** Frames handed to decode(). */
  framesIn = 0;
  blocksOut = 0;
  /** Every frame refused or failed (too big, empty, decoder error, unusable output). */
  errors = 0;
  lastError: string | null = null;
  consecutiveErrors = 0;
  /** Engines re-created after `errorBudget` consecutive errors. */
  resets = 0;
  private codec: DecoderCodec | null = null;
  private engine: CodecEngine | null = null;
  private nextPts: number | null = null;
  private closed = false;
  private readonly errorBudget: number;
  private readonly maxFrameBytes: number;
  private readonly engines: Record<DecoderCodec, EngineFactory>;

  constructor(
    private readonly lib: Libav,
    opts: AudioDecoderOptions = {},
  ) {
    this.errorBudget = opts.errorBudget ?? 8;
    this.maxFrameBytes = Math.min(opts.maxFrameBytes ?? MAX_FRAME_BYTES, MAX_FRAME_BYTES);
    this.engines = { ...ENGINES, ...opts.engines };
  }

  get openCodec(): DecoderCodec | null {
    return this.codec;
  }

  /**
   * Opens (or switches to) a codec. Throws when its library cannot decode it here
   * (LibavUnavailable when libavcodec, needed for AC-3 / E-AC-3, cannot be loaded).
   */
  open(codec: DecoderCodec): void {
    if (this.closed) throw new Error("AudioDecoder: open() after close()");
    if (this.codec === codec && this.engine) return;
    this.dropEngine();
    try {
      this.engine = this.engines[codec](this.lib);
    } catch (e) {
      this.codec = null;
      if (e instanceof Error && e.name === "LibavUnavailable") throw e;
      throw new Error(
        `AudioDecoder: cannot open the ${codec} decoder: ${e instanceof Error ? e.message : e}`,
      );
    }
    this.codec = codec;
  }

  /** Decodes one whole codec frame. Never throws on bad data: see `errors`. */
  decode(data: Uint8Array, pts90k: number): DecodedBlock[] {
    const codec = this.ready("decode");
    this.framesIn++;
    if (data.byteLength === 0 || data.byteLength > this.maxFrameBytes) {
      this.fail(`frame of ${data.byteLength} bytes refused (limit ${this.maxFrameBytes})`, false);
      return [];
    }
    const problem = frameProblem(codec, data);
    if (problem) {
      this.fail(`frame refused: ${problem}`, false);
      return [];
    }
    if (!this.engine && !this.recreate()) return [];
    let r: EngineResult;
    try {
      r = this.engine!.decode(data, pts90k);
    } catch (e) {
      // Engines do not throw on data; one that did is in an unknown state: replace it.
      this.fail(`the ${codec} decoder threw: ${e instanceof Error ? e.message : e}`, false);
      this.recreate();
      return [];
    }
    const out = this.accept(r.blocks);
    if (r.error) this.fail(r.error, true);
    return out;
  }

  /** Drains what the decoder still holds, then resets it for a discontinuity. */
  flush(): DecodedBlock[] {
    this.ready("flush");
    let blocks: EngineBlock[] = [];
    try {
      blocks = this.engine?.flush() ?? [];
    } catch (e) {
      this.fail(`the ${this.codec} decoder threw on flush: ${e instanceof Error ? e.message : e}`, false);
      this.dropEngine();
    }
    const out = this.accept(blocks);
    this.nextPts = null;
    return out;
  }

  /** Frees everything; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dropEngine();
  }

  private ready(op: string): DecoderCodec {
    if (this.closed || this.codec === null) {
      throw new Error(`AudioDecoder: ${op}() ${this.closed ? "after close()" : "before open()"}`);
    }
    return this.codec;
  }

  private dropEngine(): void {
    this.engine?.close();
    this.engine = null;
    this.nextPts = null;
  }

  /** A fresh engine for the open codec; false (counted) when it cannot be made. */
  private recreate(): boolean {
    this.dropEngine();
    this.resets++;
    this.consecutiveErrors = 0;
    try {
      this.engine = this.engines[this.codec!](this.lib);
      return true;
    } catch (e) {
      this.fail(`re-creating the ${this.codec} decoder: ${e instanceof Error ? e.message : e}`, false);
      return false;
    }
  }

  private fail(message: string, decoderError: boolean): void {
    this.errors++;
    this.lastError = message;
    if (!decoderError) return;
    if (++this.consecutiveErrors >= this.errorBudget) this.recreate();
  }

  /** The engine's blocks within bounds, with a PTS where the frame had none. */
  private accept(blocks: EngineBlock[]): DecodedBlock[] {
    const out: DecodedBlock[] = [];
    for (const b of blocks) {
      const sane =
        b.samples > 0 &&
        b.channels >= 1 &&
        b.channels <= MAX_CHANNELS &&
        b.sampleRate >= 8000 &&
        b.sampleRate <= 192000 &&
        b.pcm.length === b.samples * b.channels;
      if (!sane) {
        this.fail(`unusable frame: ${b.samples} samples, ${b.channels} ch, ${b.sampleRate} Hz`, true);
        continue;
      }
      const peak = peakOf(b.pcm);
      if (peak > MAX_PEAK) {
        this.fail(`damaged frame: decoded to a peak of ${(20 * Math.log10(peak)).toFixed(0)} dBFS`, true);
        continue;
      }
      if (!Number.isFinite(b.pts90k)) b.pts90k = this.nextPts ?? NaN;
      this.nextPts = b.pts90k + (b.samples * 90000) / b.sampleRate;
      this.consecutiveErrors = 0;
      this.blocksOut++;
      out.push(b);
    }
    return out;
  }
}
