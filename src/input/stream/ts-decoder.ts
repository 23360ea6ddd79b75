/**
 * MPEG-TS decoded in-process: the demuxer (src/input/ts/) yields whole codec frames with their
 * unwrapped PTS, AudioDecoder decodes each (src/decode/audio-decoder.ts: libfaad2, libmpg123,
 * or libavcodec for AC-3), libswresample brings it to the program format, and every block
 * lands at the input position its PTS names:
 *
 *   t = (PTS + rebase) × rate / 90000 − (the resampler's delay before the block)
 *
 * A frame lost on the way (a continuity error drops its PES) or rejected by the decoder leaves a
 * hole of exactly its length on that timeline; the timed buffer conceals it. A discontinuity (a
 * new programme, a PTS jump, a codec or rate change) is judged against the arrival clock: a jump
 * the size of the time that passed is lost audio — kept, a gap of its length; any other jump is
 * the studio encoder restarting on a new PTS base — `rebase` makes the stream continue exactly
 * where it stood, computed from the stream's own content so every path of one programme rebases
 * alike. A stream this path cannot decode (LATM AAC, MPEG-1 layer I, no audio) hands the
 * connection to an ffmpeg process.
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
  /** Added to every PTS (90 kHz): where the stream's timeline continues after a new PTS base. */
  private rebase = 0;
  /** Raw PTS just after the last frame, and the program position it arrived at. */
  private last: { endPts: number; arrivalPos: number } | null = null;
  private pendingJump = false;
  private shown: { codec: EsCodec | null; rate: number; channels: number } = {
    codec: null,
    rate: 0,
    channels: -1,
  };

  constructor(private readonly o: TsDecoderOptions) {
    this.decoder = new AudioDecoder(o.lib);
    this.resampler = new Resampler(o.lib, o.format);
    this.demuxer = new TsDemuxer({
      frame: (f) => this.onFrame(f),
      discontinuity: (d) => this.restart(d.reason),
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
    if (this.pendingJump) this.judgeJump(f.pts90k);
    this.last = {
      endPts: f.pts90k + (f.samples * 90000) / f.sampleRate,
      arrivalPos: this.o.sink.arrivalPos(),
    };
    if (this.codec !== f.codec) {
      if (this.codec !== null) this.restart("format-change");
      try {
        this.decoder.open(codec);
      } catch (e) {
        // libavcodec (AC-3 / E-AC-3) not loadable here: an ffmpeg process decodes this stream.
        return this.fallBack(`no in-process ${f.codec} decoder: ${e instanceof Error ? e.message : e}`);
      }
      this.codec = f.codec;
    }
    // The status names what is decoded now, also after a rate or layout change of one codec.
    if (
      f.codec !== this.shown.codec ||
      f.sampleRate !== this.shown.rate ||
      f.channels !== this.shown.channels
    ) {
      this.shown = { codec: f.codec, rate: f.sampleRate, channels: f.channels };
      this.info = `MPEG-TS ${f.codec.toUpperCase()} ${f.sampleRate} Hz ${f.channels || "?"} ch`;
    }
    const declared = this.declaredDelay(f.pts90k);
    for (const block of this.decoder.decode(f.data, f.pts90k)) {
      if (!Number.isFinite(block.pts90k)) continue;
      const delay = this.resampler.delay;
      const pcm = this.resampler.convert(block);
      if (pcm.length === 0) continue;
      this.bytesSinceAudio = 0;
      this.head = null;
      const t = ((block.pts90k + this.rebase) * this.o.format.sampleRate) / 90000 - delay;
      this.o.sink.audio(t, pcm, declared);
    }
    if (this.decoder.lastError) this.lastError = this.decoder.lastError;
  }

  /**
   * How long the stream says this frame may wait before it plays: its PTS minus the PCR of the
   * bytes that completed it (the T-STD model every MPEG-TS muxer follows), in program samples.
   * 0 when there is no PCR or the two are not on one clock (another epoch, a broken stream).
   */
  private declaredDelay(pts90k: number): number {
    const pcr = this.demuxer.lastPcr;
    if (!pcr) return 0;
    const ticks = pts90k - pcr.pcr90k;
    return ticks > 0 && ticks < 5 * 90000 ? (ticks * this.o.format.sampleRate) / 90000 : 0;
  }

  /** A timeline break: what the decoder and resampler hold belongs to the old stream. */
  private restart(_reason: string): void {
    if (this.codec !== null) this.decoder.flush();
    this.resampler.flush();
    this.pendingJump = this.last !== null;
  }

  /**
   * The first frame after a break: lost audio (the PTS moved on by about the time that passed)
   * stays where it is; anything else is a new PTS base, rebased to continue the stream exactly.
   */
  private judgeJump(pts: number): void {
    this.pendingJump = false;
    const last = this.last;
    if (!last) return;
    const jump = pts - last.endPts;
    const elapsed = ((this.o.sink.arrivalPos() - last.arrivalPos) * 90000) / this.o.format.sampleRate;
    if (jump > 0 && Math.abs(jump - elapsed) <= 90000) return;
    this.rebase += last.endPts - pts;
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
