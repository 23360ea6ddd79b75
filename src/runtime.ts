/**
 * What one process shares between its channels: the clock, the SRT reactor (one epoll wait for
 * every SRT socket, see srt-socket.ts), the ffmpeg binary. Created once by the entry point and
 * passed down; nothing below reaches for a module-level singleton.
 */
import type { Logger } from "pino";
import type { Clock } from "./clock/clock.js";
import { loadLibSrt } from "./input/srt/libsrt.js";
import { SrtReactor } from "./input/srt/srt-socket.js";

export interface Runtime {
  readonly clock: Clock;
  readonly ffmpeg: string;
  /** The process's SRT reactor, created (and libsrt loaded) by the first SRT input. */
  srtReactor(): SrtReactor;
}

export function createRuntime(clock: Clock, log: Logger, opts: { ffmpeg?: string } = {}): Runtime {
  let reactor: SrtReactor | null = null;
  return {
    clock,
    ffmpeg: opts.ffmpeg ?? "ffmpeg",
    srtReactor: () =>
      (reactor ??= new SrtReactor(loadLibSrt(), { clock, log: log.child({ component: "srt" }) })),
  };
}
