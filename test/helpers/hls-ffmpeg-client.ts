/**
 * ffmpeg as a live HLS client at its default settings (it starts 3 segments from the live
 * edge and reloads the playlist as a player does): decodes to mono f32 at 48 kHz on stdout,
 * kept in memory, with its stderr for the errors it reports. Bounded in time, stopped by PID.
 */
import { Background } from "./proc.js";

export class FfmpegHlsClient {
  private readonly parts: Buffer[] = [];
  private bytes = 0;
  readonly proc: Background;

  /** `channel`: which channel of the stream to keep (0 = left), or the mono mix. */
  constructor(url: string, maxLifetimeMs: number, channel: 0 | 1 | "mix" = "mix") {
    const pick =
      channel === "mix"
        ? ["-ac", "1"]
        : ["-af", `channelmap=map=${channel === 0 ? "FL" : "FR"}:channel_layout=mono`];
    this.proc = new Background(
      "ffmpeg",
      ["-hide_banner", "-loglevel", "warning", "-i", url, ...pick, "-ar", "48000", "-f", "f32le", "pipe:1"],
      maxLifetimeMs,
    );
    this.proc.child.stdout?.removeAllListeners("data");
    this.proc.child.stdout?.on("data", (b: Buffer) => {
      this.parts.push(b);
      this.bytes += b.length;
    });
  }

  /** Seconds of audio decoded so far. */
  get seconds(): number {
    return this.bytes / 4 / 48000;
  }

  pcm(): Float32Array {
    const b = Buffer.concat(this.parts);
    const out = new Float32Array(Math.floor(b.length / 4));
    for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(i * 4);
    return out;
  }

  /** ffmpeg's warnings and errors, one per line. */
  complaints(): string[] {
    return this.proc.stderr.split("\n").filter((l) => l.trim() !== "");
  }

  stop(): Promise<void> {
    return this.proc.stop("SIGKILL");
  }
}
