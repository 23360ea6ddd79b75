import type { ChildProcess } from "node:child_process";
import type { Logger } from "pino";
import type { Clock } from "../clock/clock.js";
import type { PipeReader, PipeWriter } from "../process/os-pipe.js";
import { Supervised, type PolledPipes } from "../process/supervisor.js";
import type { AudioFormat } from "../types/index.js";
import { decoderArgs, type DecoderSource } from "./decoder-args.js";

export interface DecoderOptions {
  name: string;
  source: DecoderSource;
  format: AudioFormat;
  log: Logger;
  clock: Clock;
  /** Decoded program PCM, interleaved f32 (not necessarily whole frames). */
  onPcm: (pcm: Float32Array) => void;
  ffmpeg?: string;
}

/**
 * An input's ffmpeg decoder under the supervisor: bytes in (stdin or a file), program
 * PCM out. For live input, `renew()` starts a fresh decoder for a new connection so
 * the demuxer never has to resynchronise across two senders' streams. Both pipes are
 * polled (os-pipe.ts): `write()` goes straight to the pipe, and `poll()`, once per program
 * tick, hands what ffmpeg decoded since the last tick to `onPcm`.
 */
export class Decoder {
  private readonly sup: Supervised;
  private child: ChildProcess | null = null;
  private stdin: PipeWriter | null = null;
  private stdout: PipeReader | null = null;
  private carry: Buffer | null = null;
  /** Bytes written since the last PCM came out: detects input ffmpeg can't decode. */
  pendingBytes = 0;
  decodedBytes = 0;
  errors = 0;
  lastError: string | null = null;

  constructor(private readonly opts: DecoderOptions) {
    this.sup = new Supervised(
      {
        name: opts.name,
        command: opts.ffmpeg ?? "ffmpeg",
        args: decoderArgs(opts.source, opts.format),
        polled: [
          ...(opts.source.kind === "stdin" ? [{ fd: 0, childReads: true }] : []),
          { fd: 1, childReads: false },
        ],
        initialBackoffMs: 100,
        maxBackoffMs: 5000,
      },
      opts.log,
      opts.clock,
    );
    this.sup.on("spawn", (child, _run, pipes) => this.wire(child, pipes));
    this.sup.on("exit", () => {
      this.child = null;
      this.stdin = null;
      this.stdout = null;
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

  private wire(child: ChildProcess, pipes: PolledPipes): void {
    this.child = child;
    this.carry = null;
    this.stdin = pipes.writers.get(0) ?? null;
    this.stdout = pipes.readers.get(1) ?? null;
  }

  /**
   * Hands what ffmpeg decoded since the last call to `onPcm`, at most `maxBytes` of it (a
   * file input reads only what it needs: the rest waits in the pipe, ffmpeg blocks on its
   * write, and a local file is decoded on demand). Returns the bytes read.
   */
  poll(maxBytes = Infinity): number {
    const out = this.stdout;
    if (!out) return 0;
    return out.drain((chunk) => {
      this.pendingBytes = 0;
      this.decodedBytes += chunk.length;
      this.opts.onPcm(this.toFloat(chunk));
    }, maxBytes);
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
    const stdin = this.stdin;
    if (!stdin || stdin.broken) return;
    // A decoder that stopped reading (hung) must not make us buffer without bound.
    if (stdin.queuedBytes > 4 * 1024 * 1024) return;
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
