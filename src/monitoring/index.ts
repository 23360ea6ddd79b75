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
 * Layout the files assume: rules in prometheus/rules/, tests in prometheus/tests/ (a test file
 * names its rules as ../rules/<file>), dashboards in grafana/dashboards/.
 */
import { stringify } from "yaml";
import { alertTests } from "./alert-tests.js";
import { ruleFileGroup, ruleGroups } from "./alerts.js";
import { channelDashboard, fleetDashboard } from "./dashboards.js";
import { thresholdProblems, type MonitoringOptions } from "./options.js";
import { STEP } from "./promtool-tests.js";

export {
  DEFAULT_THRESHOLDS,
  thresholdProblems,
  type AlertThresholds,
  type MonitoringOptions,
} from "./options.js";

export const RULES_FILE = "antenne.yml";
export const TESTS_FILE = "antenne.test.yml";
const DEFAULT_RUNBOOK = "docs/runbook.md";

const yaml = (v: unknown) => stringify(v, { lineWidth: 0 });

function checked(o: MonitoringOptions): MonitoringOptions {
  const problems = thresholdProblems(o.thresholds);
  if (problems.length) throw new Error(`monitoring.alerts: ${problems.join("; ")}`);
  return o;
}

/** Rule files, by file name (placed under prometheus/rules/). */
export function renderAlertRules(o: MonitoringOptions): Record<string, string> {
  const runbook = checked(o).runbookUrl ?? DEFAULT_RUNBOOK;
  return { [RULES_FILE]: yaml({ groups: ruleGroups(o).map((g) => ruleFileGroup(g, runbook)) }) };
}

/** promtool `test rules` files, by file name (placed under prometheus/tests/). */
export function renderAlertTests(o: MonitoringOptions): Record<string, string> {
  const runbook = checked(o).runbookUrl ?? DEFAULT_RUNBOOK;
  return {
    [TESTS_FILE]: yaml({
      rule_files: [`../rules/${RULES_FILE}`],
      evaluation_interval: `${STEP}s`,
      tests: alertTests(o, runbook),
    }),
  };
}

/** Grafana dashboards as JSON text, by file name (placed under grafana/dashboards/). */
export function renderDashboards(o: MonitoringOptions): Record<string, string> {
  return {
    "antenne-channel.json": `${JSON.stringify(channelDashboard(o), null, 2)}\n`,
    "antenne-fleet.json": `${JSON.stringify(fleetDashboard(o), null, 2)}\n`,
  };
}
