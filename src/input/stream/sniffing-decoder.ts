/**
 * Chooses a connection's stream decoder from its first bytes (src/input/ts/sniff.ts): MPEG-TS and
 * WAV are decoded in-process when libav is usable here, anything else — or a stream the
 * in-process path gives up on — goes to an ffmpeg process, which gets the bytes seen so far.
 */
import type { Logger } from "pino";
import type { Runtime } from "../../runtime.js";
import type { AudioFormat } from "../../types/index.js";
import { SNIFF_MAX_BYTES, sniff } from "../ts/sniff.js";
import { ProcessDecoder } from "./process-decoder.js";
import type { StreamDecoder, TimedPcmSink } from "./stream-decoder.js";
import { TsDecoder } from "./ts-decoder.js";
import { WavDecoder } from "./wav-decoder.js";

export interface SniffingDecoderOptions {
  name: string;
  sink: TimedPcmSink;
  format: AudioFormat;
  runtime: Runtime;
  log: Logger;
}

export class SniffingDecoder implements StreamDecoder {
  private inner: StreamDecoder | null = null;
  private head: Buffer[] = [];
  private headBytes = 0;
  private closed = false;
  private retired: Promise<void>[] = [];
  /** Times the in-process path handed the connection to an ffmpeg process. */
  fallbacks = 0;

  constructor(private readonly o: SniffingDecoderOptions) {}

  get description(): string {
    return this.inner?.description ?? "detecting";
  }

  get bytesSinceAudio(): number {
    return this.inner?.bytesSinceAudio ?? this.headBytes;
  }

  get lastError(): string | null {
    return this.inner?.lastError ?? null;
  }

  /** The in-process TS path's demuxer counters, when that is what runs. */
  get tsStats(): TsDecoder["stats"] | null {
    return this.inner instanceof TsDecoder ? this.inner.stats : null;
  }

  push(chunk: Buffer): void {
    if (this.closed) return;
    if (this.inner) return this.inner.push(chunk);
    this.head.push(chunk);
    this.headBytes += chunk.length;
    const all = Buffer.concat(this.head);
    const kind = sniff(all);
    if (kind === "need-more" && all.length < SNIFF_MAX_BYTES) return;
    this.head = [];
    this.headBytes = 0;
    this.inner = this.choose(kind === "need-more" ? "unknown" : kind);
    this.inner.push(all);
  }

  poll(): void {
    this.inner?.poll();
  }

  private choose(kind: "mpegts" | "wav" | "unknown"): StreamDecoder {
    const r = kind === "unknown" ? null : this.o.runtime.libav();
    if (r && "lib" in r) {
      if (kind === "mpegts")
        return new TsDecoder({
          sink: this.o.sink,
          format: this.o.format,
          lib: r.lib,
          fallback: (reason, head) => this.fallBack(reason, head),
        });
      if (kind === "wav") return new WavDecoder(this.o.sink, this.o.format, r.lib);
    }
    return this.process(
      r && "reason" in r ? `in-process decoding unavailable: ${r.reason}` : "not MPEG-TS or WAV",
    );
  }

  private process(why: string): ProcessDecoder {
    return new ProcessDecoder(this.o.name, this.o.sink, this.o.format, this.o.runtime, this.o.log, why);
  }

  /** The in-process path gave up on this stream: an ffmpeg process takes the connection. */
  private fallBack(reason: string, head: Buffer[]): void {
    if (this.closed || !this.inner) return;
    this.fallbacks++;
    this.o.sink.problem(`decoding through ffmpeg: ${reason}`);
    this.retired.push(this.inner.close());
    this.inner = this.process(reason);
    this.o.sink.discontinuity(`decoder changed: ${reason}`);
    for (const b of head) this.inner.push(b);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.inner?.close(), ...this.retired]);
  }
}
