import type { Clock } from "./clock/clock.js";

/** Resolves with the exit code once SIGTERM/SIGINT stopped everything (≤ 5 s, then forced). */
export function waitForSignal(
  log: { info: (o: object, m: string) => void },
  clock: Clock,
  close: () => Promise<void>,
): Promise<number> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, "stopping");
      const force = clock.timeout(() => resolve(1), 5000, { unref: true });
      close().then(
        () => {
          force.cancel();
          resolve(0);
        },
        () => resolve(1),
      );
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}
