/** What the fleet file (`monitoring.alerts`, job names) decides about the monitoring content. */

/** Alert thresholds, overridable in the fleet file (`monitoring.alerts`). */
export interface AlertThresholds {
  /** Program blank this long before alerting. */
  blankForSec: number;
  /** Off its top-priority input this long before alerting. */
  offTopInputForMin: number;
  /** SRT loss (lost / received packets) above this ratio over 5 min. */
  srtLossRatio: number;
  /** SRT retransmitted / received above this ratio over 5 min. */
  srtRetransmitRatio: number;
  /** |wall − program clock| above this, seconds. */
  clockOffsetSec: number;
  /** Encoder restarts within 15 min at or above this. */
  encoderRestarts15m: number;
  /** On the safety source (a file or tone input) this long before alerting. */
  safetyForSec: number;
  /** An input that was working is down or unavailable this long before alerting. */
  inputDownForSec: number;
  /** "Was working": available at some time within this many hours (idle spare inputs stay quiet). */
  inputLookbackHours: number;
  /** An input's jitter target at its cap (`maxBufferMs`) this long before alerting. */
  delayAtCapForMin: number;
  /** HLS stale: no new segment for this many segment durations. */
  hlsStaleSegments: number;
  /** An Icecast mount not delivering this long before alerting. */
  outputDownForSec: number;
  /** HLS push: share of non-2xx answers over 5 min above this. */
  pushFailureRatio: number;
  /** An instance not scraped (`up == 0`) this long before alerting. */
  instanceDownForSec: number;
  /** The instances of a channel on different inputs this long before alerting. */
  replicasDisagreeForSec: number;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  blankForSec: 30,
  offTopInputForMin: 5,
  srtLossRatio: 0.01,
  srtRetransmitRatio: 0.05,
  clockOffsetSec: 0.1,
  encoderRestarts15m: 3,
  safetyForSec: 30,
  inputDownForSec: 60,
  inputLookbackHours: 24,
  delayAtCapForMin: 5,
  hlsStaleSegments: 3,
  outputDownForSec: 60,
  pushFailureRatio: 0.1,
  instanceDownForSec: 60,
  replicasDisagreeForSec: 60,
};

export interface MonitoringOptions {
  thresholds: AlertThresholds;
  /** Prometheus job name of the transcoders (scrape config). */
  job: string;
  /** Prometheus job name of the listeners service, or null when the fleet has none. */
  listenersJob: string | null;
  /**
   * Where docs/runbook.md is published (e.g. the repository's page of it); each alert's
   * `runbook_url` is this plus `#<alertname in lower case>`. Default: "docs/runbook.md".
   */
  runbookUrl?: string;
}

/** Problems with thresholds, one line each (empty when usable): the rules and their tests need
 * positive durations, ratios in (0, 1) and a whole number of restarts ≥ 1. */
export function thresholdProblems(t: AlertThresholds): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(t) as [keyof AlertThresholds, number][]) {
    if (!Number.isFinite(v) || v <= 0) out.push(`${k}: must be a positive number (got ${v})`);
    else if (k.endsWith("Ratio") && v >= 1) out.push(`${k}: must be below 1 (got ${v})`);
  }
  if (!Number.isInteger(t.encoderRestarts15m)) out.push(`encoderRestarts15m: must be a whole number`);
  return out;
}
