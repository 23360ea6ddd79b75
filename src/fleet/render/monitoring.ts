/**
 * Prometheus, Alertmanager and Grafana provisioning around the monitoring content. The rules,
 * their promtool tests and the dashboards come from src/monitoring (pure functions of the
 * thresholds); this module writes everything that wires them to the fleet:
 *  - scrape job `antenne`: one static target per instance, target labels channel, replica
 *    (instance name) and instance (<channel>-<replica>), honor_labels (the daemon labels every
 *    series with `channel` itself); job `antenne-listeners` for the listeners service;
 *  - Alertmanager routing grouped by alert and channel;
 *  - Grafana: the Prometheus data source (uid `prometheus`) and a file provider for the dashboards.
 */
import { stringify } from "yaml";
import {
  renderAlertRules,
  renderAlertTests,
  renderDashboards,
  type MonitoringOptions,
} from "../../monitoring/index.js";
import { LISTENERS_JOB, TRANSCODER_JOB, type FleetModel } from "../model.js";

const HEADER = "# Rendered by `antenne render`: do not edit.\n";
const yaml = (o: unknown) => HEADER + stringify(o, { lineWidth: 0 });

export const GRAFANA_DASHBOARDS_DIR = "/var/lib/grafana/dashboards/antenne";

export function monitoringOptions(fleet: FleetModel): MonitoringOptions {
  const { alerts, runbookUrl } = fleet.monitoring;
  return {
    thresholds: alerts,
    job: TRANSCODER_JOB,
    listenersJob: LISTENERS_JOB,
    ...(runbookUrl ? { runbookUrl } : {}),
  };
}

function prometheusYml(fleet: FleetModel): string {
  const m = fleet.monitoring;
  return yaml({
    global: {
      scrape_interval: `${m.prometheus.scrapeIntervalSec}s`,
      evaluation_interval: `${m.prometheus.scrapeIntervalSec}s`,
      external_labels: { fleet: fleet.name },
    },
    rule_files: ["rules/*.yml"],
    alerting: {
      alertmanagers: [{ static_configs: [{ targets: [`${m.alertmanager.host}:${m.alertmanager.port}`] }] }],
    },
    scrape_configs: [
      {
        job_name: TRANSCODER_JOB,
        honor_labels: true,
        metrics_path: "/metrics",
        static_configs: fleet.channels.flatMap((ch) =>
          ch.instances.map((inst) => ({
            targets: [`${inst.host}:${inst.apiPort}`],
            labels: { channel: ch.name, replica: inst.name, instance: inst.id },
          })),
        ),
      },
      {
        job_name: LISTENERS_JOB,
        static_configs: [{ targets: [`${m.listeners.host}:${m.listeners.httpPort}`] }],
      },
      { job_name: "prometheus", static_configs: [{ targets: [`localhost:${m.prometheus.port}`] }] },
    ],
  });
}

function alertmanagerYml(fleet: FleetModel): string {
  const url = fleet.monitoring.alertmanager.webhookUrl;
  const receiver = url
    ? { name: "antenne-webhook", webhook_configs: [{ url, send_resolved: true }] }
    : { name: "antenne-null" };
  return yaml({
    route: {
      receiver: receiver.name,
      group_by: ["alertname", "channel"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
    },
    // A channel that is down says so once: its warnings wait while a critical alert fires.
    inhibit_rules: [
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ["channel"],
      },
    ],
    receivers: [receiver],
  });
}

function grafanaProvisioning(fleet: FleetModel): Record<string, string> {
  const p = fleet.monitoring.prometheus;
  return {
    "provisioning/datasources/antenne.yml": yaml({
      apiVersion: 1,
      datasources: [
        {
          name: "Prometheus",
          uid: "prometheus",
          type: "prometheus",
          access: "proxy",
          url: `http://${p.host}:${p.port}`,
          isDefault: true,
        },
      ],
    }),
    "provisioning/dashboards/antenne.yml": yaml({
      apiVersion: 1,
      providers: [
        {
          name: "antenne",
          folder: "antenne",
          type: "file",
          disableDeletion: true,
          allowUiUpdates: false,
          options: { path: GRAFANA_DASHBOARDS_DIR },
        },
      ],
    }),
  };
}

const prefixed = (prefix: string, files: Record<string, string>) =>
  Object.fromEntries(Object.entries(files).map(([k, v]) => [`${prefix}${k}`, v]));

/** prometheus/, alertmanager/ and grafana/ files by path. */
export function renderMonitoring(fleet: FleetModel): Record<string, string> {
  const o = monitoringOptions(fleet);
  return {
    "prometheus/prometheus.yml": prometheusYml(fleet),
    ...prefixed("prometheus/rules/", renderAlertRules(o)),
    ...prefixed("prometheus/tests/", renderAlertTests(o)),
    "alertmanager/alertmanager.yml": alertmanagerYml(fleet),
    ...prefixed("grafana/", grafanaProvisioning(fleet)),
    ...prefixed("grafana/dashboards/", renderDashboards(o)),
  };
}
