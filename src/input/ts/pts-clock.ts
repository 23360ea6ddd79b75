/**
 * Per-frame presentation times for one elementary stream.
 *
 * - Unwrap: a 33-bit PTS is placed in the 2^33 epoch nearest to where the stream is expected
 *   to be (or to the last time seen), so pts90k keeps increasing across the 26.5 h wrap and
 *   pts90k mod 2^33 is always the PTS on the wire.
 * - Interpolation: a frame without its own PTS gets anchor + samples × 90000 / rate, computed
 *   from the last anchor (not accumulated per frame), so no rounding error builds up.
 * - Jumps: an anchored PTS further than `toleranceTicks` from the expected continuation is a
 *   jump; the caller reports it, and the new PTS simply becomes the anchor.
 */
export const PTS_WRAP = 2 ** 33;

/** `raw` (33-bit) placed in the 2^33 epoch nearest to `reference`; never negative. */
export function unwrapNear(raw: number, reference: number): number {
  if (Number.isNaN(reference)) return raw;
  const near = raw + Math.round((reference - raw) / PTS_WRAP) * PTS_WRAP;
  return near < 0 ? near + PTS_WRAP : near;
}

export class PtsClock {
  private anchor = NaN;
  private samplesSince = 0;
  private rate = 0;
  /** Last unwrapped time handed out; survives `invalidate()` so unwrapping stays continuous. */
  private reference = NaN;
  /** Where the stream stood when data was lost (NaN when running or after `reset()`). */
  private lostAt = NaN;

  /** True when the next frame's time can be interpolated. */
  get running(): boolean {
    return !Number.isNaN(this.anchor);
  }

  /** Where the next frame is expected (NaN when not running). */
  expected(): number {
    return this.rate > 0 ? this.anchor + (this.samplesSince * 90000) / this.rate : this.anchor;
  }

  /**
   * What the next anchored PTS is checked against for jumps: the expected continuation, or
   * after a loss where the stream stood (NaN when there is nothing to compare with).
   */
  continuation(): number {
    return this.running ? this.expected() : this.lostAt;
  }

  /** The unwrapped value of a raw 33-bit PTS, near the expected continuation. */
  unwrap(raw: number): number {
    return unwrapNear(raw, this.running ? this.expected() : this.reference);
  }

  /** Starts a new anchor at an (already unwrapped) PTS. */
  anchorAt(pts90k: number): void {
    this.anchor = pts90k;
    this.samplesSince = 0;
    this.reference = pts90k;
    this.lostAt = NaN;
  }

  /** Accounts for a frame of `samples` at `rate` that started at the current position. */
  advance(samples: number, rate: number): void {
    if (rate !== this.rate) {
      // Re-anchor where the previous rate left us so a rate change does not rescale history.
      if (this.rate > 0) this.anchor = this.expected();
      this.samplesSince = 0;
      this.rate = rate;
    }
    this.samplesSince += samples;
    this.reference = this.expected();
  }

  /** Data was lost: frames without their own PTS cannot be placed until the next anchor. */
  invalidate(): void {
    if (this.running) {
      this.reference = this.expected();
      this.lostAt = this.reference;
    }
    this.anchor = NaN;
    this.samplesSince = 0;
  }

  /** A different stream: nothing of the old one applies (the unwrap reference is kept). */
  reset(): void {
    this.invalidate();
    this.lostAt = NaN;
    this.rate = 0;
  }
}
