/** Reconnect delays: `firstMs` doubling up to `maxMs`, reset after a good connection. */
export class Backoff {
  private next: number;

  constructor(
    private readonly firstMs = 1000,
    private readonly maxMs = 10000,
  ) {
    this.next = firstMs;
  }

  /** The delay to wait before the next attempt; each call doubles the following one. */
  nextDelayMs(): number {
    const d = this.next;
    this.next = Math.min(this.next * 2, this.maxMs);
    return d;
  }

  reset(): void {
    this.next = this.firstMs;
  }
}
