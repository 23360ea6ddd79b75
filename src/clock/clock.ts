/**
 * The one clock. Everything in src/ that needs time gets a `Clock` through its constructor;
 * only this folder touches `performance.now`, `Date.now` and the timer functions (a lint rule
 * enforces it), so tests drive time with `FakeClock` instead of sleeping.
 *
 * Two time scales:
 * - monotonic ms (`monoMs`): never steps; what the program clock, timeouts and rates run on;
 * - wall ms (`wallMs`): Unix UTC, disciplined by NTP/chrony on the host; it may step. Read for
 *   anchoring the program timeline to UTC and for naming things humans and peers compare.
 */

/** A scheduled callback; `cancel()` is idempotent. */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  monoMs(): number;
  wallMs(): number;
  /** Runs `fn` once after `ms`. `unref`: does not keep the process alive. */
  timeout(fn: () => void, ms: number, opts?: { unref?: boolean }): TimerHandle;
  /** Runs `fn` every `ms` until cancelled. */
  interval(fn: () => void, ms: number, opts?: { unref?: boolean }): TimerHandle;
  /** Resolves after `ms` (for async code paths: backoff waits, graceful stops). */
  sleep(ms: number): Promise<void>;
  /**
   * The shared ticker of this period: every subscriber of one clock and period rides one timer
   * (N channels in a process wake once per tick, not N times).
   */
  ticker(periodMs: number): Ticker;
}

/** One timer, many riders. Subscribers run in subscription order; one that throws is reported. */
export class Ticker {
  private readonly riders = new Set<(monoMs: number) => void>();
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    readonly periodMs: number,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Starts riding; returns the function that stops. The timer runs while anyone rides. */
  ride(fn: (monoMs: number) => void): () => void {
    this.riders.add(fn);
    this.timer ??= this.clock.interval(() => this.fire(), this.periodMs);
    return () => {
      this.riders.delete(fn);
      if (this.riders.size === 0) {
        this.timer?.cancel();
        this.timer = null;
      }
    };
  }

  get size(): number {
    return this.riders.size;
  }

  private fire(): void {
    const now = this.clock.monoMs();
    for (const fn of this.riders) {
      try {
        fn(now);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}

/** The real clock of the process. */
export class SystemClock implements Clock {
  private readonly tickers = new Map<number, Ticker>();

  monoMs(): number {
    return performance.now();
  }

  wallMs(): number {
    return Date.now();
  }

  timeout(fn: () => void, ms: number, opts: { unref?: boolean } = {}): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms));
    if (opts.unref) t.unref();
    return { cancel: () => clearTimeout(t) };
  }

  interval(fn: () => void, ms: number, opts: { unref?: boolean } = {}): TimerHandle {
    const t = setInterval(fn, Math.max(1, ms));
    if (opts.unref) t.unref();
    return { cancel: () => clearInterval(t) };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }

  ticker(periodMs: number): Ticker {
    let t = this.tickers.get(periodMs);
    if (!t) this.tickers.set(periodMs, (t = new Ticker(this, periodMs)));
    return t;
  }
}

/** The process-wide system clock: created by the entry points (cli, daemon) and passed down. */
export const systemClock: Clock = new SystemClock();
