/**
 * The one backoff: reconnect and restart delays, `initialMs` doubling up to `maxMs`, reset after
 * a connection (or a child) that held. Used by SRT callers and listeners, Icecast sources, the
 * process supervisor and the HLS push.
 */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
}

/** The delay before reconnect attempt `attempt` (0-based): 1 s, 2 s, 4 s … 30 s, 30 s. */
export function backoffDelayMs(attempt: number, opts: BackoffOptions = {}): number {
  const initial = opts.initialMs ?? 1000;
  const max = opts.maxMs ?? 30_000;
  // Capping the exponent keeps 2 ** n finite for any attempt count.
  return Math.min(max, initial * 2 ** Math.min(Math.max(0, attempt), 30));
}

export class Backoff {
  private attempt = 0;

  constructor(private readonly opts: BackoffOptions = {}) {}

  /** The next delay; each call doubles the following one. */
  next(): number {
    return backoffDelayMs(this.attempt++, this.opts);
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
