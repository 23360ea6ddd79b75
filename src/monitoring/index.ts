/**
 * Monitoring contract between the fleet renderer (src/fleet/) and the monitoring content
 * (alert rules, their promtool tests, Grafana dashboards). Render places the files; this
 * module decides what is in them. Everything here is a pure function of its arguments.
 *
 * Alerts are fleet-agnostic: they select on labels the daemon exports
 * (`channel`, `input`, `output`, `profile`; `antenne_input_info{input,kind,priority}`)
 * and the scrape labels (`job`, `channel`, `replica`, `instance`), so the rule files work
 * alone as well as rendered. The fleet file only supplies thresholds.
 *
 * STUB: replaced by the monitoring work (issue 13). Signatures are the contract.
 */

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
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  blankForSec: 30,
  offTopInputForMin: 5,
  srtLossRatio: 0.01,
  srtRetransmitRatio: 0.05,
  clockOffsetSec: 0.1,
  encoderRestarts15m: 3,
};

export interface MonitoringOptions {
  thresholds: AlertThresholds;
  /** Prometheus job name of the transcoders (scrape config). */
  job: string;
  /** Prometheus job name of the listeners service, or null when the fleet has none. */
  listenersJob: string | null;
}

/** Rule files, by file name (placed under prometheus/rules/). */
export function renderAlertRules(_o: MonitoringOptions): Record<string, string> {
  return { "antenne.yml": "groups: []\n" };
}

/** promtool `test rules` files, by file name (placed under prometheus/tests/). */
export function renderAlertTests(_o: MonitoringOptions): Record<string, string> {
  return {};
}

/** Grafana dashboards as JSON text, by file name (placed under grafana/dashboards/). */
export function renderDashboards(_o: MonitoringOptions): Record<string, string> {
  return {};
}
