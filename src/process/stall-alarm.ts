/**
 * A watchdog that costs no thread: the event loop re-arms alarm(2) every second, so if it stalls
 * for `seconds` (a codec library spinning on garbage inside a call, a runaway loop), the kernel
 * sends SIGALRM, whose default action ends the process (exit status 128 + 14). A stalled daemon
 * otherwise stays alive, silent, until a liveness probe gives up (~30 s with the rendered
 * Kubernetes probe); ended, it is restarted by its supervisor while the peer instance carries
 * the air. A process stopped (SIGSTOP) for longer also ends when it is continued. Nothing else
 * in the process uses alarm(2) or SIGALRM. Only `antenne run` arms it.
 */
import koffi from "koffi";
import type { Clock } from "../clock/clock.js";

export const DEFAULT_STALL_SEC = 10;

/** ANTENNE_STALL_SEC: whole seconds, 0 disables; the default when unset. */
export function stallSeconds(env: NodeJS.ProcessEnv): number | { error: string } {
  const raw = env.ANTENNE_STALL_SEC;
  if (raw === undefined || raw === "") return DEFAULT_STALL_SEC;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 3600) {
    return { error: `ANTENNE_STALL_SEC=${raw}: whole seconds from 0 (off) to 3600 expected` };
  }
  return n;
}

/** Arms the alarm (no-op for 0); returns what disarms it. */
export function armStallAlarm(seconds: number, clock: Clock): () => void {
  if (seconds === 0) return () => undefined;
  const alarm = koffi.load("libc.so.6").func("unsigned int alarm(unsigned int seconds)") as (
    s: number,
  ) => number;
  alarm(seconds);
  const timer = clock.interval(() => alarm(seconds), 1000, { unref: true });
  return () => {
    timer.cancel();
    alarm(0);
  };
}
