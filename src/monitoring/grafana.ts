/**
 * A small typed kit for Grafana dashboards: every object is built against Grafana's published
 * dashboard model (@grafana/schema: Dashboard, Panel, VariableModel and each panel plugin's
 * Options), so `tsc` rejects a misspelt key or a wrong value type. Type imports only: nothing
 * of @grafana/schema is loaded at run time.
 */
import type {
  Dashboard,
  DataSourceRef,
  FieldConfigSource,
  Panel,
  RowPanel,
  VariableModel,
} from "@grafana/schema";
import type { Options as StatOptions } from "@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen";
import type { Options as StateTimelineOptions } from "@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen";
import type { Options as TableOptions } from "@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen";
import type {
  FieldConfig as TimeSeriesFieldConfig,
  Options as TimeSeriesOptions,
} from "@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen";

/** Dashboard JSON, checked against Grafana's model. */
export type JsonDashboard = Plain<Dashboard>;
export type { JPanel as Panel, JRow as RowPanel };

/**
 * The model with its string enums as their string values: the JSON form of the model (the
 * enums exist only at run time in @grafana/schema, which this module does not load).
 */
export type Plain<T> = T extends string
  ? `${T}`
  : T extends (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? { [K in keyof T]: Plain<T[K]> }
      : T;

type JPanel = Plain<Panel>;
type JRow = Plain<RowPanel>;

/** The dashboard's data source: chosen with the `datasource` variable. */
export const DS: DataSourceRef = { type: "prometheus", uid: "${datasource}" };

/** A Prometheus query as Grafana's Prometheus data source stores it. */
export interface PromQuery {
  datasource: DataSourceRef;
  expr: string;
  legendFormat: string;
  range: boolean;
  instant: boolean;
  format?: "time_series" | "table";
}
type PromTarget = PromQuery & { refId: string } & Record<string, unknown>;

export const q = (expr: string, legendFormat = "", table = false): PromQuery => ({
  datasource: DS,
  expr,
  legendFormat,
  range: !table,
  instant: table,
  ...(table ? { format: "table" as const } : {}),
});

const withRefs = (ts: PromQuery[]): Record<string, unknown>[] =>
  ts.map((t, i): PromTarget => ({ ...t, refId: String.fromCharCode(65 + i) }));

type Size = { w: number; h: number };

export function timeseries(
  title: string,
  targets: PromQuery[],
  unit: string,
  size: Size,
  custom: Partial<Plain<TimeSeriesFieldConfig>> = {},
): JPanel {
  const options: Partial<Plain<TimeSeriesOptions>> = {
    legend: { showLegend: true, displayMode: "list", placement: "bottom", calcs: [] },
    tooltip: { mode: "multi", sort: "none" },
  };
  const fieldConfig: Plain<FieldConfigSource> = {
    defaults: { unit, custom: { lineWidth: 1, fillOpacity: 10, ...custom } },
    overrides: [],
  };
  return {
    type: "timeseries",
    title,
    datasource: DS,
    targets: withRefs(targets),
    options,
    fieldConfig,
    gridPos: { x: 0, y: 0, ...size },
  };
}

/** 1/0 series drawn as states: `on` text and colour for 1, `off` for 0. */
export function stateTimeline(
  title: string,
  targets: PromQuery[],
  states: { on: [string, string]; off: [string, string] },
  size: Size,
): JPanel {
  const options: Partial<Plain<StateTimelineOptions>> = {
    showValue: "never",
    rowHeight: 0.9,
    mergeValues: true,
    alignValue: "left",
    legend: { showLegend: false, displayMode: "list", placement: "bottom", calcs: [] },
    tooltip: { mode: "single", sort: "none" },
  };
  const fieldConfig: Plain<FieldConfigSource> = {
    defaults: {
      color: { mode: "thresholds" },
      mappings: [
        {
          type: "value",
          options: {
            "1": { text: states.on[0], color: states.on[1], index: 0 },
            "0": { text: states.off[0], color: states.off[1], index: 1 },
          },
        },
      ],
      thresholds: { mode: "absolute", steps: [{ value: null, color: "transparent" }] },
    },
    overrides: [],
  };
  return {
    type: "state-timeline",
    title,
    datasource: DS,
    targets: withRefs(targets),
    options,
    fieldConfig,
    gridPos: { x: 0, y: 0, ...size },
  };
}

export function stat(title: string, targets: PromQuery[], unit: string, size: Size): JPanel {
  const options: Partial<Plain<StatOptions>> = {
    reduceOptions: { calcs: ["lastNotNull"], values: false, fields: "" },
    orientation: "auto",
    colorMode: "value",
    graphMode: "area",
    justifyMode: "auto",
    textMode: "auto",
    wideLayout: true,
    showPercentChange: false,
  };
  return {
    type: "stat",
    title,
    datasource: DS,
    targets: withRefs(targets),
    options,
    fieldConfig: { defaults: { unit }, overrides: [] },
    gridPos: { x: 0, y: 0, ...size },
  };
}

/** An instant-query table; `hide` lists columns not shown (Time, Value, scrape labels…). */
export function table(title: string, target: PromQuery, hide: string[], size: Size): JPanel {
  const options: Partial<Plain<TableOptions>> = { showHeader: true, cellHeight: "sm", frameIndex: 0 };
  return {
    type: "table",
    title,
    datasource: DS,
    targets: withRefs([target]),
    options,
    transformations: [
      { id: "organize", options: { excludeByName: Object.fromEntries(hide.map((h) => [h, true])) } },
    ],
    fieldConfig: { defaults: {}, overrides: [] },
    gridPos: { x: 0, y: 0, ...size },
  };
}

export const row = (title: string): JRow => ({
  type: "row",
  title,
  collapsed: false,
  panels: [],
  id: 0,
  gridPos: { x: 0, y: 0, w: 24, h: 1 },
});

/** Places panels left to right on Grafana's 24-column grid, wrapping, and numbers them. */
export function layout(items: (JPanel | JRow)[]): (JPanel | JRow)[] {
  let x = 0;
  let y = 0;
  let rowH = 0;
  return items.map((p, i) => {
    const g = p.gridPos ?? { x: 0, y: 0, w: 24, h: 8 };
    if (p.type === "row" || x + g.w > 24) {
      y += rowH;
      x = 0;
      rowH = 0;
    }
    const placed = { ...p, id: i + 1, gridPos: { ...g, x, y } };
    x += g.w;
    rowH = Math.max(rowH, g.h);
    if (p.type === "row") {
      y += g.h;
      x = 0;
      rowH = 0;
    }
    return placed;
  });
}

export function queryVariable(name: string, label: string, query: string, multi: boolean): VariableModel {
  return {
    name,
    label,
    type: "query",
    datasource: DS,
    query,
    refresh: 2,
    sort: 1,
    multi,
    includeAll: multi,
    ...(multi ? { allValue: ".+" } : {}),
  };
}

export const datasourceVariable: VariableModel = {
  name: "datasource",
  label: "Data source",
  type: "datasource",
  query: "prometheus",
};

export function dashboard(
  uid: string,
  title: string,
  variables: VariableModel[],
  panels: (JPanel | JRow)[],
): JsonDashboard {
  return {
    uid,
    title,
    tags: ["antenne"],
    timezone: "browser",
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    refresh: "10s",
    time: { from: "now-1h", to: "now" },
    templating: { list: [datasourceVariable, ...variables] },
    annotations: { list: [] },
    panels: layout(panels),
  };
}
