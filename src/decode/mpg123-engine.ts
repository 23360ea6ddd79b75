/**
 * MPEG audio layer II and III frames through libmpg123 (mpg123.ts), in feed mode.
 *
 * mpg123 decodes a new stream's first frame only once the next frame's header confirms the
 * sync, then one frame per frame fed; it numbers decoded frames from 0 in the order fed, so
 * each block takes the PTS of the frame it came from. It checks no CRC (libavcodec's
 * `err_detect=crccheck` did, for the few protected streams) and conceals a damaged layer III
 * frame itself; what it reports as an error is counted by the caller.
 */
import { NO_BLOCKS, type CodecEngine, type EngineBlock, type EngineResult } from "./codec-engine.js";
import {
  MPG123_ENC_FLOAT_32,
  MPG123_NEED_MORE,
  MPG123_NEW_FORMAT,
  MPG123_OK,
  type Mpg123,
} from "./mpg123.js";
import type { Ptr } from "./native-lib.js";

/** PTS of the frames fed and not decoded yet (one, except while a new stream syncs). */
const PENDING_LIMIT = 8;

export class Mpg123Engine implements CodecEngine {
  private h: Ptr = 0n;
  private fed = 0;
  private pending: { index: number; pts: number }[] = [];
  private format: { rate: number; channels: number } | null = null;

  /** Throws when mpg123 cannot make a decoder. */
  constructor(private readonly mpg123: Mpg123) {
    const why = this.start();
    if (why) throw new Error(why);
  }

  decode(data: Uint8Array, pts90k: number): EngineResult {
    if (this.h === 0n) {
      const why = this.start();
      if (why) return { blocks: [], error: why };
    }
    this.pending.push({ index: this.fed++, pts: pts90k });
    if (this.pending.length > PENDING_LIMIT) this.pending.shift();
    const rc = this.mpg123.feed(this.h, data);
    if (rc !== MPG123_OK) return { blocks: [], error: `mpg123_feed: ${this.mpg123.strerror(rc)}` };
    const blocks: EngineBlock[] = [];
    for (;;) {
      const out = this.mpg123.decodeFrame(this.h);
      if (out.rc === MPG123_NEED_MORE) break;
      if (out.rc === MPG123_NEW_FORMAT) {
        this.readFormat();
        continue;
      }
      if (out.rc !== MPG123_OK) return { blocks, error: `mpg123: ${this.mpg123.strerror(out.rc)}` };
      const block = this.block(out.frame, out.audio, out.bytes);
      if (typeof block === "string") return { blocks, error: block };
      if (block) blocks.push(block);
    }
    return blocks.length === 0 ? NO_BLOCKS : { blocks, error: null };
  }

  /** A frame held while a new stream syncs is dropped with the stream. */
  flush(): EngineBlock[] {
    this.stop();
    return [];
  }

  close(): void {
    this.stop();
  }

  private block(frame: number, audio: Ptr, bytes: number): EngineBlock | string | null {
    if (bytes === 0 || audio === 0n) return null;
    const fmt = this.format;
    if (!fmt) return "mpg123: audio before its format";
    const values = bytes / 4;
    const samples = values / fmt.channels;
    if (!Number.isInteger(samples)) return `mpg123: ${bytes} bytes for ${fmt.channels} channels`;
    const pcm = new Float32Array(values);
    this.mpg123.copyOut(pcm, audio);
    let pts = NaN;
    while (this.pending.length > 0 && this.pending[0]!.index <= frame) {
      const p = this.pending.shift()!;
      if (p.index === frame) pts = p.pts;
    }
    return { pcm, sampleRate: fmt.rate, channels: fmt.channels, samples, pts90k: pts, layoutMask: null };
  }

  private readFormat(): void {
    const f = this.mpg123.format(this.h);
    this.format = f && f.encoding === MPG123_ENC_FLOAT_32 ? { rate: f.rate, channels: f.channels } : null;
  }

  private start(): string | null {
    this.stop();
    const h = this.mpg123.open();
    if (typeof h === "string") return h;
    this.h = h;
    return null;
  }

  private stop(): void {
    if (this.h !== 0n) this.mpg123.close(this.h);
    this.h = 0n;
    this.fed = 0;
    this.pending = [];
    this.format = null;
  }
}
