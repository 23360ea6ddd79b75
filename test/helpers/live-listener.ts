/**
 * A live audio listener for e2e tests: ffmpeg decodes a stream (Icecast mount, HLS playlist) to
 * 8 kHz mono PCM as it arrives, and the test asks which tone it hears now. Bounded in time,
 * stopped by its PID.
 */
import { dominant, rmsDb } from "./audio.js";
import { Proc } from "./fleet.js";

/** A listener decoding a live HTTP stream (Icecast mount, HLS playlist) to 8 kHz mono PCM. */
export class LiveListener {
  static readonly RATE = 8000;
  private readonly proc: Proc;
  private pcm: number[] = [];
  /** Longest time without any PCM arriving, ms (after the first). */
  longestStallMs = 0;
  private lastData = 0;

  constructor(url: string, extra: string[] = [], maxLifetimeMs = 120_000) {
    const args = ["-nostdin", "-hide_banner", "-loglevel", "error", ...extra, "-i", url];
    args.push("-vn", "-ac", "1", "-ar", String(LiveListener.RATE), "-f", "s16le", "-");
    this.proc = new Proc("ffmpeg", args, { maxLifetimeMs });
    this.proc.child.stdout?.removeAllListeners("data");
    this.proc.child.stdout?.on("data", (b: Buffer) => {
      const now = performance.now();
      if (this.lastData > 0) this.longestStallMs = Math.max(this.longestStallMs, now - this.lastData);
      this.lastData = now;
      for (let i = 0; i + 1 < b.length; i += 2) this.pcm.push(b.readInt16LE(i) / 32768);
      if (this.pcm.length > LiveListener.RATE * 60) this.pcm = this.pcm.slice(-LiveListener.RATE * 30);
    });
  }

  get running(): boolean {
    return this.proc.running;
  }

  get errors(): string {
    return this.proc.output;
  }

  /** Which candidate tone dominates the last `sec` seconds, and its level. */
  hearing(candidates: number[], sec = 0.5): { freq: number; share: number; db: number } {
    const n = Math.floor(LiveListener.RATE * sec);
    if (this.pcm.length < n) return { freq: 0, share: 0, db: -200 };
    const x = Float32Array.from(this.pcm.slice(-n));
    return { ...dominant(x, candidates, LiveListener.RATE), db: rmsDb(x) };
  }

  async stop(): Promise<void> {
    await this.proc.stop("SIGKILL");
  }
}
