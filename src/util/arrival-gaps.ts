/**
 * Gaps between successive arrivals of an input (how bursty its sender is), kept for the last
 * minute in a fixed ring, with quantiles on demand (antenne_input_arrival_gap_seconds). Arrivals
 * are seen once per program tick, so gaps below the tick (60 ms) read as one tick.
 */
const SIZE = 1024;
const WINDOW_MS = 60_000;

export class ArrivalGaps {
  private readonly gaps = new Float64Array(SIZE);
  private readonly at = new Float64Array(SIZE);
  private n = 0;
  private last: number | null = null;

  arrived(monoMs: number): void {
    if (this.last !== null && monoMs > this.last) {
      const i = this.n % SIZE;
      this.gaps[i] = monoMs - this.last;
      this.at[i] = monoMs;
      this.n++;
    }
    this.last = monoMs;
  }

  reset(): void {
    this.n = 0;
    this.last = null;
  }

  /** Quantiles of the gaps of the last minute, ms (zeros without data). */
  quantiles(nowMs: number): { p50: number; p90: number; p99: number; max: number } {
    const count = Math.min(this.n, SIZE);
    const recent: number[] = [];
    for (let k = 0; k < count; k++) if (nowMs - this.at[k]! <= WINDOW_MS) recent.push(this.gaps[k]!);
    if (recent.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
    recent.sort((a, b) => a - b);
    const q = (p: number) => recent[Math.min(recent.length - 1, Math.ceil(p * recent.length) - 1)]!;
    return { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: recent.at(-1)! };
  }
}
