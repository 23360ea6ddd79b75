import type { ChildProcess } from "node:child_process";
import type { Logger } from "pino";
import { Supervised } from "../process/supervisor.js";
import type { AudioFormat } from "../stages.js";
import { decoderArgs, type DecoderSource } from "./decoder-args.js";

export interface DecoderOptions {
  name: string;
  source: DecoderSource;
  format: AudioFormat;
  log: Logger;
  /** Decoded program PCM, interleaved f32 (not necessarily whole frames). */
  onPcm: (pcm: Float32Array) => void;
  ffmpeg?: string;
}

/**
 * An input's ffmpeg decoder under the supervisor: bytes in (stdin or a file), program
 * PCM out. For live input, `renew()` starts a fresh decoder for a new connection so
 * the demuxer never has to resynchronise across two senders' streams.
 */
export class Decoder {
  private readonly sup: Supervised;
  private child: ChildProcess | null = null;
  private carry: Buffer | null = null;
  /** Bytes written since the last PCM came out: detects input ffmpeg can't decode. */
  pendingBytes = 0;
  decodedBytes = 0;
  errors = 0;
  lastError: string | null = null;
  private paused = false;

  constructor(private readonly opts: DecoderOptions) {
    this.sup = new Supervised(
      {
        name: opts.name,
        command: opts.ffmpeg ?? "ffmpeg",
        args: decoderArgs(opts.source, opts.format),
        initialBackoffMs: 100,
        maxBackoffMs: 5000,
      },
      opts.log,
    );
    this.sup.on("spawn", (child) => this.wire(child));
    this.sup.on("exit", () => {
      this.child = null;
    });
    this.sup.on("stderr", (line) => {
      this.errors++;
      this.lastError = line;
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get restarts(): number {
    return this.sup.restarts;
  }

  start(): void {
    this.sup.start();
  }

  private wire(child: ChildProcess): void {
    this.child = child;
    this.carry = null;
    child.stdout?.on("data", (chunk: Buffer) => {
      if (this.child !== child) return;
      this.pendingBytes = 0;
      this.decodedBytes += chunk.length;
      this.opts.onPcm(this.toFloat(chunk));
    });
    if (this.paused) child.stdout?.pause();
  }

  /**
   * Stops reading the decoder's output (a file input has enough decoded ahead): the pipe
   * fills and ffmpeg blocks on its write, so a local file is decoded on demand.
   */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.child?.stdout?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.child?.stdout?.resume();
  }

  /**
   * Decoders deliver s16le: half the bytes of f32 through the pipe, which is most of what an
   * input costs the daemon (docs/benchmarks.md), and all the resolution a broadcast feed has.
   */
  private toFloat(chunk: Buffer): Float32Array {
    let data = chunk;
    if (this.carry) {
      data = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    const whole = data.length - (data.length % 2);
    if (whole < data.length) this.carry = Buffer.from(data.subarray(whole));
    // An aligned copy: Int16Array views need 2-byte alignment, and a view beats readInt16LE per sample.
    const s16 = new Int16Array(whole / 2);
    new Uint8Array(s16.buffer).set(data.subarray(0, whole));
    const out = new Float32Array(s16.length);
    for (let i = 0; i < s16.length; i++) out[i] = s16[i]! / 32768;
    return out;
  }

  /** Feeds live bytes; dropped (not queued without bound) while no decoder runs. */
  write(bytes: Buffer): void {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed) return;
    // A decoder that stopped reading (hung) must not make us buffer without bound.
    if (stdin.writableLength > 4 * 1024 * 1024) return;
    this.pendingBytes += bytes.length;
    stdin.write(bytes);
  }

  /** A new connection: a fresh decoder, nothing carried over from the previous sender. */
  renew(reason: string): void {
    if (this.child) this.sup.restartNow(reason, "info");
    else this.sup.start();
  }

  close(): Promise<void> {
    return this.sup.close(500);
  }
}
