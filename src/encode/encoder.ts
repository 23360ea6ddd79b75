import type { ChildProcess } from "node:child_process";
import type { Logger } from "pino";
import type { Clock } from "../clock/clock.js";
import type { PcmHistory } from "../engine/pcm-history.js";
import type { PipeReader, PipeWriter } from "../process/os-pipe.js";
import { Supervised, type PolledPipes } from "../process/supervisor.js";
import type { AudioFormat, Codec, EncodedFrame, EncodedStream, EncodedStreamEvents } from "../types/index.js";
import { TypedEmitter } from "../util/events.js";
import { encoderArgs, frameSamples, restartGrid, type ProfileSpec } from "./encoder-args.js";
import { FrameParser } from "./frame-parser.js";

export interface EncoderOptions {
  profiles: ProfileSpec[];
  format: AudioFormat;
  history: PcmHistory;
  log: Logger;
  clock: Clock;
  ffmpeg?: string;
}

/**
 * Audio queued for the encoder while it took nothing for this long means it is stuck. (Not a
 * queue size: a restarted encoder is handed seconds of history at once, which is no stall.)
 */
const STALL_SEC = 3;

/** One profile's encoded frames, fanned out to every consumer (HLS variant, Icecast mounts). */
export class ProfileStream implements EncodedStream {
  readonly samples: number;
  readonly events: TypedEmitter<EncodedStreamEvents>;
  readonly anchors: (() => number | null)[] = [];
  readonly parser: FrameParser;
  readonly primingFrames: number;
  framesOut = 0;
  frames = 0;
  bytes = 0;

  constructor(
    readonly profile: string,
    readonly codec: Codec,
    readonly bitrate: number,
    readonly format: AudioFormat,
    private readonly group: Encoder,
    log: Logger,
  ) {
    this.samples = frameSamples(codec);
    this.primingFrames = codec === "aac" ? 1 : 0;
    this.parser = new FrameParser(codec);
    this.events = new TypedEmitter<EncodedStreamEvents>(log);
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

  /** The encoder process (shared by every profile of the channel). */
  get pid(): number | undefined {
    return this.group.pid;
  }

  get restarts(): number {
    return this.group.restarts;
  }

  get lastError(): string | null {
    return this.group.lastError;
  }

  emitFrame(data: Buffer, runStart: number): void {
    // ffmpeg's AAC encoder starts every run with one frame of priming (1024 samples of its
    // own padding): dropped, so a frame's pos is the program sample it really carries and PDT
    // is exact. (An MP3 run is left whole: its first frames feed the bit reservoir; libmp3lame's
    // 1105-sample delay stays, ~23 ms.)
    const k = this.framesOut++ - this.primingFrames;
    if (k < 0) return;
    const frame: EncodedFrame = { data, pos: runStart + k * this.samples, samples: this.samples };
    this.frames++;
    this.bytes += data.length;
    this.events.emit("frame", frame);
  }
}

/**
 * The channel's encoder: ONE supervised ffmpeg that encodes every profile exactly once
 * (program PCM in on stdin, one elementary stream per profile out on fd 3, 4, …).
 * One process instead of one per profile halves the CPU and memory of the encode stage
 * (see docs/design.md). Frame positions count from where the encoder run started, so
 * every profile of a codec shares one frame grid. A crashed or stuck encoder restarts
 * from the earliest anchor its consumers ask for (the HLS packager: its open segment),
 * re-fed from the program history, so variants stay whole and aligned.
 */
export class Encoder {
  readonly streams: ProfileStream[];
  private readonly sup: Supervised;
  private readonly grid: number;
  private child: ChildProcess | null = null;
  private stdin: PipeWriter | null = null;
  private outputs: (PipeReader | undefined)[] = [];
  private runStart = 0;
  /** The next run starts here with no history replay (the program timeline jumped). */
  private jumpTo: number | null = null;
  private feeding = false;
  /** The tick's program frames, already 16-bit: reused every tick (no per-tick garbage). */
  private batch = new Int16Array(0);
  private batchLen = 0;

  constructor(private readonly opts: EncoderOptions) {
    this.streams = opts.profiles.map(
      (p) =>
        new ProfileStream(
          p.profile,
          p.codec,
          p.bitrate,
          opts.format,
          this,
          opts.log.child({ profile: p.profile }),
        ),
    );
    this.grid = restartGrid(opts.profiles.map((p) => p.codec));
    this.sup = new Supervised(
      {
        name: "encoder",
        command: opts.ffmpeg ?? "ffmpeg",
        args: encoderArgs(opts.profiles, opts.format),
        stdio: 3 + opts.profiles.length,
        // stdin and every profile's output are polled once per program tick (os-pipe.ts).
        polled: [
          // 256 KiB (1.4 s of program) so a stalled encoder shows as queued audio soon.
          { fd: 0, childReads: true, sizeBytes: 256 * 1024 },
          ...opts.profiles.map((_, i) => ({ fd: 3 + i, childReads: false })),
        ],
        initialBackoffMs: 100,
        maxBackoffMs: 5000,
      },
      opts.log,
      opts.clock,
    );
    this.sup.on("spawn", (child, run, pipes) => this.onSpawn(child, run, pipes));
    this.sup.on("exit", () => {
      this.child = null;
      this.stdin = null;
      this.outputs = [];
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

  start(): void {
    if (this.streams.length > 0) this.sup.start();
  }

  private onSpawn(child: ChildProcess, run: number, pipes: PolledPipes): void {
    this.child = child;
    this.stdin = pipes.writers.get(0) ?? null;
    this.outputs = this.streams.map((_, i) => pipes.readers.get(3 + i));
    const h = this.opts.history;
    const jumped = this.jumpTo;
    this.jumpTo = null;
    if (run === 1 || jumped !== null) {
      this.runStart = jumped ?? h.end;
    } else {
      // Restart on a grid every codec's frames fit, at the earliest point a consumer still needs.
      let from = h.end;
      for (const s of this.streams)
        for (const a of s.anchors) {
          const p = a();
          if (p !== null && p < from) from = p;
        }
      const g = this.grid;
      this.runStart = Math.max(
        Math.floor(from / g) * g,
        Math.min(Math.ceil(h.start / g) * g, Math.floor(h.end / g) * g),
      );
    }
    this.streams.forEach((s) => {
      s.parser.reset();
      s.framesOut = 0;
      if (run > 1) s.events.emit("restart", { pos: this.runStart, reason: this.sup.lastError ?? "restart" });
    });
    this.batchLen = 0;
    if (run > 1 && jumped === null) {
      const backlog = h.since(this.runStart);
      if (backlog.pcm.length > 0) {
        const s16 = new Int16Array(backlog.pcm.length);
        toS16Into(backlog.pcm, s16, 0);
        this.write(new Uint8Array(s16.buffer));
      }
    }
    this.feeding = true;
  }

  /**
   * Called by the program clock with every program frame (already in the history).
   * The tick's frames go to the encoder in one write (`flush`, at the end of the tick):
   * each write costs a syscall and a wake-up of ffmpeg, so one per tick, not per frame.
   */
  feed(pcm: Float32Array): void {
    if (!this.feeding) return;
    if (this.batchLen + pcm.length > this.batch.length) {
      const grown = new Int16Array(Math.max(2 * this.batch.length, this.batchLen + pcm.length));
      grown.set(this.batch.subarray(0, this.batchLen));
      this.batch = grown;
    }
    toS16Into(pcm, this.batch, this.batchLen);
    this.batchLen += pcm.length;
  }

  /** Encoded frames ffmpeg wrote since the last call, to every profile's consumers (once per tick). */
  drain(): void {
    const child = this.child;
    for (let i = 0; i < this.streams.length; i++) {
      const s = this.streams[i]!;
      this.outputs[i]?.drain((chunk) => {
        if (this.child !== child) return;
        for (const data of s.parser.push(chunk)) s.emitFrame(data, this.runStart);
      });
    }
  }

  /**
   * The program timeline jumped to `pos` (a grid position): what the encoder holds belongs to the
   * old timeline, so a new run starts exactly at `pos` (consumers see a restart there).
   */
  jump(pos: number, reason: string): void {
    if (this.streams.length === 0) return;
    this.jumpTo = pos;
    this.batchLen = 0;
    if (this.sup.running) this.sup.restartNow(reason, "info");
  }

  /** Writes the tick's program frames to the encoder in one write. */
  flush(): void {
    if (this.batchLen === 0) return;
    // The pipe writer copies whatever it has to queue: the batch can be reused at once.
    this.write(new Uint8Array(this.batch.buffer, 0, this.batchLen * 2));
    this.batchLen = 0;
  }

  private write(s16: Uint8Array): void {
    const stdin = this.stdin;
    if (!stdin || stdin.broken) return;
    if (stdin.queuedBytes > 0 && this.opts.clock.monoMs() - stdin.lastProgressMs > STALL_SEC * 1000) {
      this.sup.restartNow(`encoder stalled: took no audio for ${STALL_SEC} s`);
      return;
    }
    stdin.write(s16);
  }

  close(): Promise<void> {
    this.feeding = false;
    return this.sup.close(1000);
  }
}

/**
 * 16-bit PCM for the encoder: half the bytes of f32 through the pipe (which is where the
 * daemon's CPU went, see docs/benchmarks.md), and more resolution than a lossy encoder keeps.
 */
function toS16Into(pcm: Float32Array, out: Int16Array, at: number): void {
  for (let i = 0; i < pcm.length; i++) {
    const v = pcm[i]! * 32767;
    out[at + i] = v >= 32767 ? 32767 : v <= -32768 ? -32768 : Math.round(v);
  }
}
