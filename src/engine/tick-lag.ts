/**
 * Event-loop lag as the audio path sees it: how late each program tick ran, over the last
 * `size` ticks (60 s at 60 ms). Measured on the clock's own wake-ups, so it costs nothing;
 * a separate 10 ms sampling timer (prom-client's default) cost 0.7 % of a core here.
 */
export class TickLag {
  private readonly samples: Float64Array;
  private n = 0;
  private last: number | null = null;

  constructor(
    private readonly periodMs: number,
    size = 1000,
  ) {
    this.samples = new Float64Array(size);
  }

  /** Called at the start of every tick with the monotonic time. */
  tick(nowMs: number): void {
    if (this.last !== null) {
      // A timer re-arms from when its callback ran: the interval beyond the period is the lag.
      const late = Math.max(0, nowMs - this.last - this.periodMs);
      this.samples[this.n % this.samples.length] = late;
      this.n++;
    }
    this.last = nowMs;
  }

  /** Quantiles of the window, ms (zeros before the second tick). */
  stats(): { p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number; ticks: number } {
    const count = Math.min(this.n, this.samples.length);
    if (count === 0) return { p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: 0, ticks: 0 };
    const sorted = this.samples.slice(0, count).sort();
    const q = (p: number) => sorted[Math.min(count - 1, Math.ceil(p * count) - 1)]!;
    return { p50Ms: q(0.5), p90Ms: q(0.9), p99Ms: q(0.99), maxMs: sorted[count - 1]!, ticks: count };
  }
}
