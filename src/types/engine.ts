/** What the program engine tells the rest of the channel. */

export type SwitchReason = "failover" | "return" | "manual" | "blank";
export type Transition = "cut" | "crossfade";

/** A change of the input on air (the one definition: switcher, engine, channel, API, metrics). */
export interface SwitchEvent {
  from: string | null;
  to: string | null;
  reason: SwitchReason;
  transition: Transition;
}

/**
 * The program timeline. Position p is the sample index since the Unix epoch at the program rate:
 * p / sampleRate is UTC seconds. Every instance of a channel computes the same positions for the
 * same UTC time, which is what makes their HLS identical (docs/redundancy.md).
 */
export interface ProgramTimeline {
  readonly sampleRate: number;
  /** The next position the program will produce. */
  readonly pos: number;
  /** Unix ms of position `pos` (p / rate × 1000, by definition of the timeline). */
  wallMsOf(pos: number): number;
}

/** Whether the program currently carries the studio: read by outputs that can step aside. */
export interface ProgramHealth {
  /**
   * Non-null while the program is on a source that cannot fail (safety loop, tone) or blank:
   * a peer instance that still has the studio should serve listeners instead.
   */
  degraded(): string | null;
  /** Whether the program was degraded at any point of [fromPos, toPos) (an HLS segment's span). */
  degradedDuring(fromPos: number, toPos: number): boolean;
}
