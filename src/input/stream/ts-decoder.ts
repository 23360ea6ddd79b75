/**
 * MPEG-TS decoded in-process: the demuxer (src/input/ts/) yields whole codec frames with their
 * unwrapped PTS, libavcodec decodes each (src/decode/audio-decoder.ts), libswresample brings it to
 * the program format, and every block lands at the input position its PTS names:
 *
 *   t = PTS × rate / 90000 − (the resampler's delay before the block)
 *
 * A frame lost on the way (a continuity error drops its PES) or rejected by the decoder leaves a
 * hole of exactly its length on that timeline; the timed buffer conceals it. A new programme, a
 * PTS jump or a codec change is a discontinuity: the timeline starts anew. A stream this path
 * cannot decode (LATM AAC, MPEG-1 layer I, no audio) hands the connection to an ffmpeg process.
 */
import { AudioDecoder, type DecoderCodec } from "../../decode/audio-decoder.js";
import type { Libav } from "../../decode/libav.js";
import { Resampler } from "../../decode/resampler.js";
import type { AudioFormat } from "../../types/index.js";
import { TsDemuxer } from "../ts/ts-demuxer.js";
import type { EsCodec, EsFrame, TsProgram } from "../ts/ts-types.js";
import type { StreamDecoder, TimedPcmSink } from "./stream-decoder.js";

const DECODABLE: Partial<Record<EsCodec, DecoderCodec>> = {
  aac: "aac",
  mp2: "mp2",
  mp3: "mp3",
  ac3: "ac3",
  eac3: "eac3",
};

/** Bytes kept from the start of a connection, replayed to an ffmpeg process on fallback. */
const REPLAY_BYTES = 512 * 1024;

export interface TsDecoderOptions {
  sink: TimedPcmSink;
  format: AudioFormat;
  lib: Libav;
  /** This path cannot decode the stream: the owner switches to an ffmpeg process, replaying `head`. */
  fallback: (reason: string, head: Buffer[]) => void;
}

export class TsDecoder implements StreamDecoder {
  bytesSinceAudio = 0;
  lastError: string | null = null;
  private readonly demuxer: TsDemuxer;
  private readonly decoder: AudioDecoder;
  private readonly resampler: Resampler;
  private head: Buffer[] | null = [];
  private headBytes = 0;
  private fellBack = false;
  private codec: EsCodec | null = null;
  private info = "MPEG-TS";

  constructor(private readonly o: TsDecoderOptions) {
    this.decoder = new AudioDecoder(o.lib);
    this.resampler = new Resampler(o.lib, o.format);
    this.demuxer = new TsDemuxer({
      frame: (f) => this.onFrame(f),
      discontinuity: (d) => this.restart(d.reason, d.detail),
      program: (p) => this.onProgram(p),
      error: (e) => {
        this.lastError = e.message;
        if (e.code !== "cc-error") this.o.sink.problem(`MPEG-TS: ${e.message}`, { tsError: e.code });
      },
    });
  }

  get description(): string {
    return this.info;
  }

  /** Demuxer counters (continuity errors, dropped PES …) for the status. */
  get stats(): TsDemuxer["stats"] {
    return this.demuxer.stats;
  }

  push(chunk: Buffer): void {
    if (this.fellBack) return;
    this.bytesSinceAudio += chunk.length;
    if (this.head) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes > REPLAY_BYTES) this.head = null;
    }
    this.demuxer.push(chunk);
  }

  poll(): void {}

  private onProgram(p: TsProgram): void {
    if (p.selected && p.supported) return;
    const why = p.selected
      ? `unsupported stream: ${p.selected.description}`
      : "no audio stream in the programme";
    this.fallBack(why);
  }

  private onFrame(f: EsFrame): void {
    const codec = DECODABLE[f.codec];
    if (!codec) return this.fallBack(`no in-process decoder for ${f.codec}`);
    if (this.codec !== f.codec) {
      if (this.codec !== null) this.restart("format-change", `${this.codec} → ${f.codec}`);
      this.decoder.open(codec);
      this.codec = f.codec;
      this.info = `MPEG-TS ${f.codec.toUpperCase()} ${f.sampleRate} Hz ${f.channels || "?"} ch`;
    }
    for (const block of this.decoder.decode(f.data, f.pts90k)) {
      if (!Number.isFinite(block.pts90k)) continue;
      const delay = this.resampler.delay;
      const pcm = this.resampler.convert(block);
      if (pcm.length === 0) continue;
      this.bytesSinceAudio = 0;
      this.head = null;
      const t = (block.pts90k * this.o.format.sampleRate) / 90000 - delay;
      this.o.sink.audio(t, pcm);
    }
    if (this.decoder.lastError) this.lastError = this.decoder.lastError;
  }

  /** A timeline break: what the decoder and resampler hold belongs to the old timeline. */
  private restart(reason: string, detail: string): void {
    if (this.codec !== null) this.decoder.flush();
    this.resampler.flush();
    this.o.sink.discontinuity(`${reason}: ${detail}`);
  }

  private fallBack(reason: string): void {
    if (this.fellBack) return;
    this.fellBack = true;
    this.info = `MPEG-TS (${reason}) via ffmpeg`;
    this.o.fallback(reason, this.head ?? []);
    this.head = null;
  }

  async close(): Promise<void> {
    this.decoder.close();
    this.resampler.close();
  }
}
