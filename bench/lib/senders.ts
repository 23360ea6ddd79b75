/**
 * Stock SRT senders, as a studio encoder or a relay would run them: `ffmpeg -re -i FILE -c copy
 * -f mpegts srt://…` with no tuning flag. The content is made once per bench run (so every
 * round and every daemon gets the same bytes) and copied, not encoded, while sending, so that
 * the senders cost the shared machine little: two decorrelated pink noises (true stereo, every
 * band busy, never blank), AAC-LC 128k or MP2 192k at 44.1 kHz, in ffmpeg's default MPEG-TS.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { run } from "../../test/helpers/proc.js";

export type SenderCodec = "aac" | "mp2";
export const SENDER_RATE = 44100;

const ENCODE: Record<SenderCodec, string[]> = {
  aac: ["-c:a", "aac", "-b:a", "128k"],
  mp2: ["-c:a", "mp2", "-b:a", "192k"],
};

/** Writes `seconds` of the content as MPEG-TS in `dir` and returns its path. */
export async function makeSourceFile(
  dir: string,
  codec: SenderCodec,
  seconds: number,
  seed = 1,
): Promise<string> {
  const file = join(dir, `source-${codec}-${seed}.ts`);
  const noise = (s: number) => `anoisesrc=c=pink:r=${SENDER_RATE}:a=0.25:seed=${s}`;
  const graph = `${noise(seed)}[l];${noise(seed + 1000)}[r];[l][r]amerge=inputs=2[out0]`;
  const args = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi", "-i", graph];
  args.push("-t", String(seconds), ...ENCODE[codec], "-f", "mpegts", file);
  const r = await run("ffmpeg", args, { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`making ${file}: ${r.stderr}`);
  return file;
}

/** The stock sender's arguments (pure). */
export function senderArgs(file: string, port: number): string[] {
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    "-nostdin",
    "-re",
    "-i",
    file,
    "-c",
    "copy",
    "-f",
    "mpegts",
    `srt://127.0.0.1:${port}?mode=caller`,
  ];
}

/**
 * One sender kept running until stop(): ffmpeg exits when the listener is not up yet (its
 * handshake times out) or the file ends, and is started again after `retryMs`. Every child is
 * SIGKILLed by its PID after `maxLifetimeMs` at the latest.
 */
export class Sender {
  starts = 0;
  private child: ChildProcess | null = null;
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    readonly file: string,
    readonly port: number,
    private readonly maxLifetimeMs: number,
    private readonly retryMs = 300,
  ) {
    this.loop = this.keepRunning();
  }

  /** When the current ffmpeg started (performance.now()), or NaN. */
  startedAt = NaN;

  private async keepRunning(): Promise<void> {
    while (!this.stopped) {
      const child = spawn("ffmpeg", senderArgs(this.file, this.port), { stdio: "ignore" });
      this.child = child;
      this.starts++;
      this.startedAt = performance.now();
      const guard = setTimeout(() => child.kill("SIGKILL"), this.maxLifetimeMs);
      await new Promise((r) => child.once("close", r));
      clearTimeout(guard);
      if (!this.stopped) await sleep(this.retryMs);
    }
  }

  /** Kills the current ffmpeg by its PID and ends the loop. */
  async stop(): Promise<void> {
    this.stopped = true;
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await this.loop;
  }
}
