/**
 * What one process shares between its channels: the clock, the SRT reactor (one epoll set for
 * every SRT socket, see srt-reactor.ts), the ffmpeg binary. Created once by the entry point and
 * passed down; nothing below reaches for a module-level singleton.
 */
import type { Logger } from "pino";
import type { Clock } from "./clock/clock.js";
import { libavAvailable, loadLibav } from "./decode/libav-check.js";
import type { Libav } from "./decode/libav.js";
import { loadLibSrt } from "./input/srt/libsrt.js";
import { SrtReactor } from "./input/srt/srt-reactor.js";

export interface Runtime {
  readonly clock: Clock;
  readonly ffmpeg: string;
  /** The process's SRT reactor, created (and libsrt loaded) by the first SRT input. */
  srtReactor(): SrtReactor;
  /**
   * Debian's libavcodec/libswresample for in-process decoding, loaded and self-checked once, or
   * why not (the inputs then decode through ffmpeg processes).
   */
  libav(): { lib: Libav } | { reason: string };
}

export function createRuntime(
  clock: Clock,
  log: Logger,
  /**
   * `srtDriven`: every SRT input is read by a program tick, which then also polls the reactor
   * (srt-reactor.ts); no wait runs on the libuv pool.
   */
  opts: { ffmpeg?: string; inProcessDecoding?: boolean; srtDriven?: boolean } = {},
): Runtime {
  let reactor: SrtReactor | null = null;
  let libav: { lib: Libav } | { reason: string } | null = null;
  return {
    clock,
    ffmpeg: opts.ffmpeg ?? "ffmpeg",
    srtReactor: () =>
      (reactor ??= new SrtReactor(loadLibSrt(), {
        clock,
        driven: opts.srtDriven ?? false,
        log: log.child({ component: "srt" }),
      })),
    libav: () => (libav ??= loadDecoding(log, opts.inProcessDecoding ?? true)),
  };
}

function loadDecoding(log: Logger, enabled: boolean): { lib: Libav } | { reason: string } {
  if (!enabled) return { reason: "in-process decoding disabled" };
  const status = libavAvailable();
  if (!status.available) {
    log.warn({ reason: status.reason }, "in-process decoding unavailable; inputs decode through ffmpeg");
    return { reason: status.reason };
  }
  log.info({ versions: status.versions }, "in-process decoding (libfaad2, libmpg123; libavcodec for AC-3)");
  return { lib: loadLibav() };
}
