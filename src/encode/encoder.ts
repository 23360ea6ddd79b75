import type { ChildProcess } from "node:child_process";
import type { Logger } from "pino";
import type { PcmHistory } from "../engine/pcm-history.js";
import { Supervised } from "../process/supervisor.js";
import type { AudioFormat, Codec, EncodedFrame, EncodedStream, EncodedStreamEvents } from "../stages.js";
import { TypedEmitter } from "../util/events.js";
import { encoderArgs, frameSamples } from "./encoder-args.js";
import { FrameParser } from "./frame-parser.js";

export interface EncoderOptions {
  profile: string;
  codec: Codec;
  bitrate: number;
  format: AudioFormat;
  history: PcmHistory;
  log: Logger;
  ffmpeg?: string;
}

/** More than this much program audio queued on an encoder's stdin means it is stuck. */
const STALL_SEC = 3;

/**
 * One profile's encoder: program PCM in, whole frames out, fanned out to every
 * consumer. Frame positions are counted from where the encoder run started, so all
 * encoders of a codec share one frame grid. A crashed or stuck encoder is restarted by
 * the supervisor and re-fed from the earliest anchor its consumers ask for.
 */
export class Encoder implements EncodedStream {
  readonly profile: string;
  readonly codec: Codec;
  readonly bitrate: number;
  readonly format: AudioFormat;
  private readonly events: TypedEmitter<EncodedStreamEvents>;
  private readonly sup: Supervised;
  private readonly parser: FrameParser;
  private readonly samples: number;
  private readonly anchors: (() => number | null)[] = [];
  private child: ChildProcess | null = null;
  private runStart = 0;
  private framesOut = 0;
  private feeding = false;
  frames = 0;
  bytes = 0;

  constructor(private readonly opts: EncoderOptions) {
    this.profile = opts.profile;
    this.codec = opts.codec;
    this.bitrate = opts.bitrate;
    this.format = opts.format;
    this.samples = frameSamples(opts.codec);
    this.parser = new FrameParser(opts.codec);
    this.events = new TypedEmitter<EncodedStreamEvents>(opts.log);
    this.sup = new Supervised(
      {
        name: `encoder:${opts.profile}`,
        command: opts.ffmpeg ?? "ffmpeg",
        args: encoderArgs(opts.codec, opts.bitrate, opts.format),
        initialBackoffMs: 100,
        maxBackoffMs: 5000,
      },
      opts.log,
    );
    this.sup.on("spawn", (child, run) => this.onSpawn(child, run));
    this.sup.on("exit", () => {
      this.child = null;
      this.feeding = false;
    });
  }

  get restarts(): number {
    return this.sup.restarts;
  }

  get lastError(): string | null {
    return this.sup.lastError;
  }

  get pid(): number | undefined {
    return this.sup.pid;
  }

  on<K extends keyof EncodedStreamEvents>(event: K, fn: EncodedStreamEvents[K]): void {
    this.events.on(event, fn);
  }

  off<K extends keyof EncodedStreamEvents>(event: K, fn: EncodedStreamEvents[K]): void {
    this.events.off(event, fn);
  }

  addRestartAnchor(fn: () => number | null): void {
    this.anchors.push(fn);
  }

  start(): void {
    this.sup.start();
  }

  private onSpawn(child: ChildProcess, run: number): void {
    this.child = child;
    this.parser.reset();
    this.framesOut = 0;
    const h = this.opts.history;
    if (run === 1) {
      this.runStart = h.end;
    } else {
      // Restart on the frame grid, at the earliest point a consumer still needs.
      let from = h.end;
      for (const a of this.anchors) {
        const p = a();
        if (p !== null && p < from) from = p;
      }
      const floorGrid = Math.floor(from / this.samples) * this.samples;
      const oldestGrid = Math.ceil(h.start / this.samples) * this.samples;
      this.runStart = Math.max(
        floorGrid,
        Math.min(oldestGrid, Math.floor(h.end / this.samples) * this.samples),
      );
      this.events.emit("restart", { pos: this.runStart, reason: this.sup.lastError ?? "restart" });
      const backlog = h.since(this.runStart);
      if (backlog.pcm.length > 0) this.write(backlog.pcm);
    }
    this.feeding = true;
    child.stdout?.on("data", (chunk: Buffer) => {
      if (this.child !== child) return;
      for (const data of this.parser.push(chunk)) this.emitFrame(data);
    });
  }

  private emitFrame(data: Buffer): void {
    const frame: EncodedFrame = {
      data,
      pos: this.runStart + this.framesOut * this.samples,
      samples: this.samples,
    };
    this.framesOut++;
    this.frames++;
    this.bytes += data.length;
    this.events.emit("frame", frame);
  }

  /** Called by the program clock with every program frame (already in the history). */
  feed(pcm: Float32Array): void {
    if (!this.feeding) return;
    this.write(pcm);
  }

  private write(pcm: Float32Array): void {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed) return;
    const bytesPerSec = this.format.sampleRate * this.format.channels * 4;
    if (stdin.writableLength > STALL_SEC * bytesPerSec) {
      this.sup.restartNow(`encoder stalled: ${STALL_SEC} s of audio queued`);
      return;
    }
    stdin.write(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  }

  close(): Promise<void> {
    this.feeding = false;
    return this.sup.close(1000);
  }
}
