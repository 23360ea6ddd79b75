/**
 * A source connection the server does not read fast enough: frames are dropped (never queued
 * without bound), the first drop of a spell is reported, and a spell that lasts `stallMs`
 * means the server stopped reading.
 */
import type { Clock } from "../../clock/clock.js";
import type { Logger } from "../../types/index.js";

export class Congestion {
  /** Frames dropped over the output's life (monotonic). */
  dropped = 0;
  private since: number | null = null;
  private spellDrops = 0;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly stallMs: number,
  ) {}

  /**
   * One frame dropped: "first" opens a spell (report it), "stalled" says the spell lasted
   * `stallMs` (reconnect), null while a spell goes on.
   */
  drop(): { kind: "first" } | { kind: "stalled"; sec: number } | null {
    this.dropped++;
    this.spellDrops++;
    const t = this.clock.monoMs();
    if (this.since === null) {
      this.since = t;
      return { kind: "first" };
    }
    return t - this.since >= this.stallMs
      ? { kind: "stalled", sec: Math.round((t - this.since) / 1000) }
      : null;
  }

  /** The server caught up (or the connection ended): closes the spell, logging what it cost. */
  end(): void {
    if (this.since === null) return;
    this.log.info(
      { droppedFrames: this.spellDrops, sec: Math.round((this.clock.monoMs() - this.since) / 100) / 10 },
      "icecast output caught up",
    );
    this.since = null;
    this.spellDrops = 0;
  }
}
