/**
 * WAV/PCM as Liquidsoap's `output.srt(%wav)` and `ffmpeg -f wav` send it: the header says the
 * format, the samples carry no timestamps, so the input's timeline is their count (at the program
 * rate, after resampling), continued across a new header mid-stream (the sender restarted).
 */
import type { Libav } from "../../decode/libav.js";
import { Resampler } from "../../decode/resampler.js";
import type { AudioFormat } from "../../types/index.js";
import { WavParser, type WavFormat } from "../ts/wav-parser.js";
import type { StreamDecoder, TimedPcmSink } from "./stream-decoder.js";

export class WavDecoder implements StreamDecoder {
  bytesSinceAudio = 0;
  lastError: string | null = null;
  private readonly parser: WavParser;
  private readonly resampler: Resampler;
  private fmt: WavFormat | null = null;
  private t = 0;
  private info = "WAV";

  constructor(
    private readonly sink: TimedPcmSink,
    format: AudioFormat,
    lib: Libav,
  ) {
    this.resampler = new Resampler(lib, format);
    const ch = format.channels;
    this.parser = new WavParser({
      format: (f) => {
        // A new header mid-stream (the sender restarted): the count goes on, so the timeline
        // continues; a real pause shows as late audio.
        if (this.fmt !== null) this.resampler.flush();
        this.fmt = f;
        this.info = `WAV ${f.sampleRate} Hz ${f.channels} ch`;
      },
      samples: (pcm) => {
        const f = this.fmt;
        if (!f) return;
        const out = this.resampler.convert({ pcm, sampleRate: f.sampleRate, channels: f.channels });
        if (out.length === 0) return;
        this.bytesSinceAudio = 0;
        this.sink.audio(this.t, out);
        this.t += out.length / ch;
      },
      error: (e) => {
        this.lastError = e.message;
        this.sink.problem(`WAV: ${e.message}`, { wavError: e.code });
      },
    });
  }

  get description(): string {
    return this.info;
  }

  push(chunk: Buffer): void {
    this.bytesSinceAudio += chunk.length;
    this.parser.push(chunk);
  }

  poll(): void {}

  async close(): Promise<void> {
    this.resampler.close();
  }
}
