/**
 * A listener's one publisher slot: who may publish when a new caller arrives while another one
 * holds the slot. A publisher that has been silent for `goneAfterMs` (starvationMs past its own
 * usual gaps) is gone: the newcomer takes its place at once, so a sender restarted after a crash
 * is back without waiting for SRT to declare the old connection broken (~5 s). Otherwise the
 * newcomer is held: a sender that just died still delivers what SRT buffered (up to its latency),
 * then falls silent; if the publisher keeps delivering for `holdMs`, the newcomer is refused
 * "busy". Time comes from the injected clock only (tested on a fake one).
 */
import type { Clock, TimerHandle } from "../../clock/clock.js";

export interface SlotCandidate {
  readonly isClosed: boolean;
  /** Calls `fn` if the candidate's connection breaks while it waits. */
  watchLoss(fn: () => void): void;
}

export interface PublisherSlotHost<C> {
  hasPublisher(): boolean;
  /** When the publisher last delivered data (monotonic ms). */
  lastDataAt(): number;
  goneAfterMs(): number;
  holdMs(): number;
  /** The candidate becomes the publisher (replacing the current one, if any). */
  take(c: C): void;
  busy(c: C): void;
}

export class PublisherSlot<C extends SlotCandidate> {
  private pending: C | null = null;
  private pendingSince = 0;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly host: PublisherSlotHost<C>,
  ) {}

  /** An admitted caller (passphrase and stream id already checked) asks for the slot. */
  offer(c: C): void {
    const h = this.host;
    if (!h.hasPublisher() || this.clock.monoMs() - h.lastDataAt() >= h.goneAfterMs()) return h.take(c);
    if (this.pending) h.busy(this.pending);
    this.pending = c;
    this.pendingSince = this.clock.monoMs();
    c.watchLoss(() => {
      if (this.pending === c) this.drop();
    });
    this.arm();
  }

  /** The publisher's connection broke: a waiting candidate takes the slot at once. */
  publisherLost(): void {
    if (this.pending) this.decide();
  }

  close(): C | null {
    const c = this.pending;
    this.drop();
    return c;
  }

  private arm(): void {
    this.timer?.cancel();
    const h = this.host;
    const now = this.clock.monoMs();
    const due = Math.min(h.lastDataAt() + h.goneAfterMs(), this.pendingSince + h.holdMs());
    this.timer = this.clock.timeout(() => this.decide(), Math.max(0, due - now) + 1);
  }

  private decide(): void {
    this.timer?.cancel();
    this.timer = null;
    const c = this.pending;
    if (!c || c.isClosed) return this.drop();
    const h = this.host;
    const now = this.clock.monoMs();
    if (h.hasPublisher() && now - h.lastDataAt() < h.goneAfterMs()) {
      if (now - this.pendingSince < h.holdMs()) return this.arm();
      this.drop();
      return h.busy(c);
    }
    this.drop();
    h.take(c);
  }

  private drop(): void {
    this.timer?.cancel();
    this.timer = null;
    this.pending = null;
  }
}
