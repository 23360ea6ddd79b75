/**
 * The vocabulary of `promtool test rules` files, and builders for the two shapes most alert
 * tests take: a condition held long enough fires; the same condition flapping, or held for
 * less than its `for:`, stays quiet. Expected annotations are the rule's own templates
 * expanded with the expected labels, so a test also pins what on-call reads.
 */
import type { AlertRule } from "./alerts.js";

/** Seconds between samples and between rule evaluations in every test. */
export const STEP = 15;

export type Labels = Record<string, string>;

export interface InputSeries {
  series: string;
  values: string;
}

export interface AlertCheck {
  eval_time: string;
  alertname: string;
  exp_alerts: { exp_labels: Labels; exp_annotations: Labels }[];
}

export interface PromtoolTest {
  name: string;
  interval: string;
  input_series: InputSeries[];
  alert_rule_test: AlertCheck[];
}

/** `metric{a="b",…}` */
export function series(metric: string, labels: Labels): string {
  const body = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",");
  return `${metric}{${body}}`;
}

/** Samples needed to cover `sec` seconds. */
export const samples = (sec: number): number => Math.max(1, Math.ceil(sec / STEP));

const num = (v: number) => String(+v.toPrecision(12));

/** Expanding notation for runs of constant values: [value, number of samples]… */
export function runs(...rs: [number, number][]): string {
  return rs
    .filter(([, n]) => n > 0)
    .map(([v, n]) => (n === 1 ? num(v) : `${num(v)}x${n - 1}`))
    .join(" ");
}

/** A counter from `start`, growing by `perStep` for `n` samples. */
export function ramp(start: number, perStep: number, n: number): string {
  return `${num(start)}+${num(perStep)}x${n - 1}`;
}

export const at = (sec: number): string => `${Math.round(sec)}s`;

/** The alert as promtool reports it: labels plus severity, annotations expanded. */
export function expected(
  rule: AlertRule,
  labels: Labels,
  runbookUrl: string,
): AlertCheck["exp_alerts"][number] {
  const fill = (tpl: string) => tpl.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, k: string) => labels[k] ?? "");
  return {
    exp_labels: { ...labels, severity: rule.severity },
    exp_annotations: {
      summary: fill(rule.summary),
      description: fill(rule.description),
      runbook_url: `${runbookUrl}#${rule.alert.toLowerCase()}`,
    },
  };
}

/** A condition made of series that leave their `good` value for their `bad` one together. */
export interface DurationCase {
  rule: AlertRule;
  forSec: number;
  toggles: { series: string; good: number; bad: number }[];
  fixed: { series: string; value: number }[];
  /** Labels of each alert expected while the condition holds. */
  fires: Labels[];
  /** Good samples before the fault (history some rules need, e.g. "was up"). */
  warmup?: number;
}

/**
 * Two tests: the condition held for `for:` and more fires (and is not yet firing one step before
 * its `for:` ends); the condition flapping — held one step less than `for:`, then good for one
 * step, six times — never fires.
 */
export function durationTests(c: DurationCase, runbookUrl: string): PromtoolTest[] {
  const w = c.warmup ?? 4;
  const f = samples(c.forSec);
  const held = f + 6;
  const firing = c.fires.map((l) => expected(c.rule, l, runbookUrl));
  const fixed = (n: number) => c.fixed.map((s) => ({ series: s.series, values: runs([s.value, n]) }));
  const fire: PromtoolTest = {
    name: `${c.rule.alert} fires when held for ${at(c.forSec)}`,
    interval: at(STEP),
    input_series: [
      ...c.toggles.map((t) => ({ series: t.series, values: runs([t.good, w], [t.bad, held]) })),
      ...fixed(w + held),
    ],
    alert_rule_test: [
      ...(f >= 2 ? [{ eval_time: at((w + f - 1) * STEP), alertname: c.rule.alert, exp_alerts: [] }] : []),
      { eval_time: at((w + f + 2) * STEP), alertname: c.rule.alert, exp_alerts: firing },
    ],
  };
  const bad = Math.max(1, f - 1);
  const cycle = bad + 1;
  const flapRuns = (t: { good: number; bad: number }): [number, number][] => [
    [t.good, w],
    ...Array.from({ length: 6 }, (): [number, number][] => [
      [t.bad, bad],
      [t.good, 1],
    ]).flat(),
  ];
  const total = w + 6 * cycle;
  const flap: PromtoolTest = {
    name: `${c.rule.alert} stays quiet while the condition flaps (held ${at(bad * STEP)} at a time)`,
    interval: at(STEP),
    input_series: [
      ...c.toggles.map((t) => ({ series: t.series, values: runs(...flapRuns(t)) })),
      ...fixed(total),
    ],
    alert_rule_test: [1, 3, 6].map((k) => ({
      eval_time: at((w + k * cycle - 2) * STEP), // the last step of a bad run
      alertname: c.rule.alert,
      exp_alerts: [],
    })),
  };
  return [fire, flap];
}
