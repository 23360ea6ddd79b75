/**
 * Shape of the rendered dashboards (their queries are proven against a real Prometheus in
 * test/e2e/monitoring-dashboards.test.ts; their types are Grafana's, checked by tsc).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_THRESHOLDS, renderDashboards, type MonitoringOptions } from "../../src/monitoring/index.js";

const O: MonitoringOptions = {
  thresholds: DEFAULT_THRESHOLDS,
  job: "antenne",
  listenersJob: "antenne-listeners",
};

interface Target {
  expr: string;
  refId: string;
  datasource: { uid: string };
}
interface PanelJson {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}
interface DashboardJson {
  uid: string;
  schemaVersion: number;
  panels: PanelJson[];
  templating: { list: { name: string; type: string; query: string }[] };
}

const parsed = (o: MonitoringOptions) =>
  Object.fromEntries(
    Object.entries(renderDashboards(o)).map(([f, t]) => [f, JSON.parse(t) as DashboardJson]),
  );

void test("a per-channel dashboard templated by channel and replica, and a fleet overview", () => {
  const d = parsed(O);
  assert.deepEqual(Object.keys(d).sort(), ["antenne-channel.json", "antenne-fleet.json"]);
  const ch = d["antenne-channel.json"]!;
  assert.equal(ch.uid, "antenne-channel");
  const vars = Object.fromEntries(ch.templating.list.map((v) => [v.name, v]));
  assert.equal(vars.datasource?.type, "datasource");
  assert.equal(vars.channel?.query, 'label_values(antenne_active_input{job="antenne"}, channel)');
  assert.equal(
    vars.replica?.query,
    'label_values(antenne_active_input{job="antenne", channel="$channel"}, replica)',
  );
  const titles = ch.panels.map((p) => p.title);
  for (const t of [
    "On-air input",
    "Availability per input",
    "SRT round-trip time",
    "HLS segment age (at scrape)",
    "Listeners by delivery",
    "Clock offset (wall − program)",
  ]) {
    assert.ok(titles.includes(t), t);
  }
});

void test("every panel is on the 24-column grid, numbered once, and queries through the datasource variable", () => {
  for (const [file, d] of Object.entries(parsed(O))) {
    const ids = new Set<number>();
    for (const p of d.panels) {
      assert.ok(!ids.has(p.id), `${file}: id ${p.id} twice`);
      ids.add(p.id);
      assert.ok(p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24, `${file}: ${p.title} off the grid`);
      if (p.type === "row") continue;
      assert.ok((p.targets ?? []).length > 0, `${file}: ${p.title} has no query`);
      for (const t of p.targets ?? []) {
        assert.equal(t.datasource.uid, "${datasource}");
        assert.match(t.expr, /antenne_|up\{/);
      }
    }
    // No two panels overlap.
    const cells = new Set<string>();
    for (const p of d.panels) {
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          assert.ok(!cells.has(`${x},${y}`), `${file}: ${p.title} overlaps at ${x},${y}`);
          cells.add(`${x},${y}`);
        }
      }
    }
  }
});

void test("without a listeners service there are no listeners panels; job names follow the options", () => {
  const text = Object.values(renderDashboards({ ...O, job: "radio", listenersJob: null })).join("\n");
  assert.ok(!text.includes("antenne_listeners"));
  assert.ok(!text.includes("antenne_channel_listeners"));
  assert.ok(text.includes('job=\\"radio\\"'));
  assert.ok(!text.includes('job=\\"antenne\\"'));
});
