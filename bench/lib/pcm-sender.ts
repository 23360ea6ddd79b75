/**
 * A stock SRT sender fed in real time by the bench: `ffmpeg -f s16le -i pipe:0 -c:a aac -b:a 128k
 * -f mpegts srt://…` (no tuning flag), with the PCM written to its stdin chunk by chunk at the
 * signal's rate. A sample "enters the sender" when its chunk is written: the bench records that
 * wall time for every click. Chunks are 1024 samples, the raw PCM demuxer's packet, so ffmpeg
 * never waits for the next write to complete a packet. ffmpeg is started again if it exits (a
 * listener not up yet); the signal goes on meanwhile (that audio is lost, as with a real sender).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { ClickSignal } from "./clicks.js";

const CHUNK = 1024;

export interface SentClick {
  /** Position in the signal, samples. */
  position: number;
  /** Wall time its chunk was written to the sender, ms since the epoch. */
  enteredAtMs: number;
}

/**
 * `extra`: options placed before the output (the latency bench's second sender, `-muxdelay 0`: a
 * contribution encoder that declares no buffering, as low-delay hardware encoders do).
 */
export function pcmSenderArgs(rate: number, port: number, extra: readonly string[] = []): string[] {
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "s16le",
    "-ar",
    String(rate),
    "-ac",
    "2",
    "-i",
    "pipe:0",
    "-c:a",
    "aac",
    "-b:a",
    "128k",
    ...extra,
    "-f",
    "mpegts",
    `srt://127.0.0.1:${port}?mode=caller`,
  ];
}

export class PcmSender {
  readonly clicks: SentClick[] = [];
  starts = 0;
  /** The latest any chunk was written after it was due, ms. */
  worstLateMs = 0;
  private child: ChildProcess | null = null;
  private timer: NodeJS.Timeout | null = null;
  private t0 = 0;
  private stopped = false;

  constructor(
    readonly signal: ClickSignal,
    readonly port: number,
    private readonly maxLifetimeMs: number,
    private readonly extraArgs: readonly string[] = [],
  ) {}

  start(): this {
    this.spawn();
    this.t0 = performance.now();
    this.pump();
    return this;
  }

  private spawn(): void {
    const child = spawn("ffmpeg", pcmSenderArgs(this.signal.rate, this.port, this.extraArgs), {
      stdio: ["pipe", "ignore", "ignore"],
    });
    child.stdin.on("error", () => undefined); // EPIPE when it exits: restarted below
    const guard = setTimeout(() => child.kill("SIGKILL"), this.maxLifetimeMs);
    child.once("close", () => {
      clearTimeout(guard);
      if (!this.stopped) setTimeout(() => !this.stopped && this.spawn(), 300);
    });
    this.child = child;
    this.starts++;
  }

  /** Writes every chunk due by now, then sleeps until the next one is due. */
  private pump(): void {
    const chunkMs = (CHUNK / this.signal.rate) * 1000;
    const now = performance.now();
    while (this.t0 + (this.signal.position / CHUNK) * chunkMs <= now) {
      const due = this.t0 + (this.signal.position / CHUNK) * chunkMs;
      this.worstLateMs = Math.max(this.worstLateMs, now - due);
      const { pcm, clicks } = this.signal.chunk(CHUNK);
      const wall = Date.now();
      const c = this.child;
      if (c && c.exitCode === null && c.stdin?.writable) {
        c.stdin.write(pcm);
        for (const position of clicks) this.clicks.push({ position, enteredAtMs: wall });
      }
    }
    const next = this.t0 + (this.signal.position / CHUNK) * chunkMs;
    this.timer = setTimeout(() => this.pump(), Math.max(1, next - performance.now()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once("close", r));
      c.kill("SIGKILL");
      await gone;
    }
  }
}
