/**
 * Anything else ffmpeg decodes (raw ADTS or MP3, another container, a TS stream the in-process
 * path cannot handle), through an ffmpeg child per connection under the supervisor: bytes in on
 * its stdin, program-format PCM out, polled once per tick. No timestamps come back, so the
 * input's timeline is the sample count. A crash or garbage costs this connection's decoding only.
 */
import type { Logger } from "pino";
import { Decoder } from "../../decode/decoder.js";
import type { Runtime } from "../../runtime.js";
import type { AudioFormat } from "../../types/index.js";
import type { StreamDecoder, TimedPcmSink } from "./stream-decoder.js";

export class ProcessDecoder implements StreamDecoder {
  readonly description: string;
  private readonly decoder: Decoder;
  private t = 0;
  private seenRestarts = 0;

  constructor(
    name: string,
    private readonly sink: TimedPcmSink,
    private readonly format: AudioFormat,
    runtime: Runtime,
    log: Logger,
    why: string,
  ) {
    this.description = `ffmpeg (${why})`;
    this.decoder = new Decoder({
      name,
      source: { kind: "stdin" },
      format,
      log,
      clock: runtime.clock,
      ffmpeg: runtime.ffmpeg,
      onPcm: (pcm) => {
        this.sink.audio(this.t, pcm);
        this.t += pcm.length / this.format.channels;
      },
    });
    this.decoder.start();
  }

  get bytesSinceAudio(): number {
    return this.decoder.pendingBytes;
  }

  get lastError(): string | null {
    return this.decoder.lastError;
  }

  get restarts(): number {
    return this.decoder.restarts;
  }

  push(chunk: Buffer): void {
    this.decoder.write(chunk);
  }

  poll(): void {
    if (this.decoder.restarts !== this.seenRestarts) {
      // A crashed decoder lost what it held: the count continues, the loss shows as late audio.
      this.seenRestarts = this.decoder.restarts;
      this.sink.problem("the ffmpeg decoder restarted", { restarts: this.decoder.restarts });
    }
    this.decoder.poll();
  }

  close(): Promise<void> {
    return this.decoder.close();
  }
}
