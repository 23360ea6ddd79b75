/**
 * A clock tests drive by hand. Monotonic and wall time advance together unless a test steps the
 * wall clock (an NTP step) or freezes the process (`advance` runs every timer that fell due, in
 * time order, each seeing the clock at its own due time).
 */
import { Ticker, type Clock, type TimerHandle } from "./clock.js";

interface Pending {
  id: number;
  at: number;
  every: number | null;
  fn: () => void;
}

export class FakeClock implements Clock {
  private mono: number;
  private wallOffset: number;
  private seq = 0;
  private pending: Pending[] = [];
  private readonly tickers = new Map<number, Ticker>();

  constructor(opts: { monoMs?: number; wallMs?: number } = {}) {
    this.mono = opts.monoMs ?? 1000;
    this.wallOffset = (opts.wallMs ?? Date.UTC(2026, 0, 1)) - this.mono;
  }

  monoMs(): number {
    return this.mono;
  }

  wallMs(): number {
    return this.mono + this.wallOffset;
  }

  /** Steps the wall clock only (what an NTP step or a VM resume does to CLOCK_REALTIME). */
  stepWall(deltaMs: number): void {
    this.wallOffset += deltaMs;
  }

  timeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, Math.max(0, ms), null);
  }

  interval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, Math.max(1, ms), Math.max(1, ms));
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.timeout(resolve, ms));
  }

  ticker(periodMs: number): Ticker {
    let t = this.tickers.get(periodMs);
    if (!t) this.tickers.set(periodMs, (t = new Ticker(this, periodMs)));
    return t;
  }

  /** Timers not yet run (tests assert nothing is left behind after close()). */
  get pendingTimers(): number {
    return this.pending.length;
  }

  /** Moves time forward by `ms`, running every timer due on the way, in order. */
  advance(ms: number): void {
    const end = this.mono + ms;
    for (;;) {
      const next = this.nextDue();
      if (!next || next.at > end) break;
      this.mono = Math.max(this.mono, next.at);
      this.fire(next);
    }
    this.mono = end;
  }

  /** Like `advance`, letting promise continuations run between timers (async code under test). */
  async advanceAsync(ms: number, stepMs = ms): Promise<void> {
    const end = this.mono + ms;
    while (this.mono < end) {
      this.advance(Math.min(stepMs, end - this.mono));
      for (let i = 0; i < 10; i++) await Promise.resolve();
      await new Promise((r) => setImmediate(r));
    }
  }

  private add(fn: () => void, delay: number, every: number | null): TimerHandle {
    const p: Pending = { id: ++this.seq, at: this.mono + delay, every, fn };
    this.pending.push(p);
    return { cancel: () => (this.pending = this.pending.filter((x) => x !== p)) };
  }

  private nextDue(): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.pending)
      if (!best || p.at < best.at || (p.at === best.at && p.id < best.id)) best = p;
    return best;
  }

  private fire(p: Pending): void {
    if (p.every === null) this.pending = this.pending.filter((x) => x !== p);
    else p.at += p.every;
    p.fn();
  }
}
