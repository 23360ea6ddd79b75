/**
 * promtool tests for every alert, rendered from the same thresholds as the rules: each alert
 * fires when its condition holds and stays quiet on a flapping input or a short blip.
 * A fleet that changes a threshold gets tests of its own rules.
 */
import { durationCases, daemon, rule, type Ctx, type Rules } from "./alert-cases.js";
import { isAlert, ruleGroups } from "./alerts.js";
import type { MonitoringOptions } from "./options.js";
import {
  at,
  durationTests,
  expected,
  ramp,
  runs,
  series,
  STEP,
  type Labels,
  type PromtoolTest,
} from "./promtool-tests.js";

function check(c: Ctx, name: string, sec: number, fires: Labels[]): PromtoolTest["alert_rule_test"][number] {
  const r = rule(c, name);
  return { eval_time: at(sec), alertname: name, exp_alerts: fires.map((l) => expected(r, l, c.runbook)) };
}

/** SRT loss and retransmissions: twice the ratio for 10 min fires; a 15 s burst at 10× does not. */
function srtTests(c: Ctx, name: string, counter: string, ratio: number): PromtoolTest[] {
  const d = { ...daemon(c), input: "voieA" };
  const recv = { series: series("antenne_srt_packets_received_total", d), values: ramp(0, 1000, 80) };
  // A burst of 10 × the ratio in one step averages to about ratio / 2 over the 5 min rate window.
  const burst = 10 * 1000 * ratio;
  return [
    {
      name: `${name} fires at twice the ratio`,
      interval: at(STEP),
      input_series: [recv, { series: series(counter, d), values: ramp(0, 2000 * ratio, 80) }],
      alert_rule_test: [check(c, name, 600, [d])],
    },
    {
      name: `${name} stays quiet after a 15 s burst`,
      interval: at(STEP),
      input_series: [recv, { series: series(counter, d), values: runs([0, 20], [burst, 60]) }],
      alert_rule_test: [330, 450, 600].map((s) => check(c, name, s, [])),
    },
  ];
}

function pushTests(c: Ctx): PromtoolTest[] {
  const d = daemon(c);
  const name = "AntenneHlsPushFailing";
  const ok = (values: string) => ({
    series: series("antenne_hls_push_total", { ...d, code: "201" }),
    values,
  });
  const err = (values: string) => ({
    series: series("antenne_hls_push_total", { ...d, code: "error" }),
    values,
  });
  // A burst whose 5 min average is half the failure ratio.
  const half = c.o.thresholds.pushFailureRatio / 2;
  const burst = (((10 / STEP) * half) / (1 - half)) * 300;
  return [
    {
      name: `${name} fires when every push fails`,
      interval: at(STEP),
      input_series: [ok(runs([50, 60])), err(ramp(0, 10, 60))],
      alert_rule_test: [check(c, name, 600, [d])],
    },
    {
      name: `${name} stays quiet after a burst of failures`,
      interval: at(STEP),
      input_series: [ok(ramp(0, 10, 80)), err(runs([0, 20], [burst, 60]))],
      alert_rule_test: [330, 450, 600].map((s) => check(c, name, s, [])),
    },
  ];
}

/** N restarts a minute apart fire; N − 1 do not. */
function encoderTests(c: Ctx): PromtoolTest[] {
  const d = daemon(c);
  const name = "AntenneEncoderRestarting";
  const n = c.o.thresholds.encoderRestarts15m;
  const restarts = (k: number) =>
    runs([0, 8], ...Array.from({ length: k }, (_, i): [number, number] => [i + 1, 4]), [k, 40]);
  const both = (k: number) =>
    ["lofi", "hifi"].map((profile) => ({
      series: series("antenne_encoder_restarts_total", { ...d, profile }),
      values: restarts(k),
    }));
  const last = 8 * STEP + (n - 1) * 4 * STEP;
  return [
    {
      name: `${name} fires at ${n} restarts in 15 min`,
      interval: at(STEP),
      input_series: both(n),
      alert_rule_test: [check(c, name, last + 60, [d])],
    },
    {
      name: `${name} stays quiet at ${n - 1} restarts`,
      interval: at(STEP),
      input_series: both(n - 1),
      alert_rule_test: [last, last + 60, last + 300].map((s) => check(c, name, s, [])),
    },
  ];
}

/**
 * HLS with 4 s segments scraped every 15 s: a stall fires (the segment duration is learned from
 * the rate, never configured); one scrape seeing a segment late does not.
 */
function hlsTests(c: Ctx): PromtoolTest[] {
  const d = daemon(c);
  const name = "AntenneHlsStale";
  const seg = 4;
  const n = 200; // 50 min of samples
  const stallAt = 160; // 40 min
  const lastTs = (i: number) => Math.floor((i * STEP) / seg) * seg;
  const profile = (p: string, tsAt: (i: number) => number) => [
    {
      series: series("antenne_hls_last_segment_timestamp_seconds", { ...d, profile: p }),
      values: Array.from({ length: n }, (_, i) => String(tsAt(i))).join(" "),
    },
    {
      series: series("antenne_hls_segments_total", { ...d, profile: p }),
      values: Array.from({ length: n }, (_, i) => String(tsAt(i) / seg)).join(" "),
    },
  ];
  const stalled = (i: number) => lastTs(Math.min(i, stallAt));
  // Late: the segment due at samples 161 and 162 shows up only at 163.
  const late = (i: number) => (i === 161 || i === 162 ? lastTs(160) : lastTs(i));
  return [
    {
      name: `${name} fires on a stalled variant only`,
      interval: at(STEP),
      input_series: [...profile("lofi", stalled), ...profile("hifi", lastTs)],
      alert_rule_test: [
        check(c, name, stallAt * STEP, []),
        check(c, name, stallAt * STEP + 120, [{ ...d, profile: "lofi" }]),
      ],
    },
    {
      name: `${name} stays quiet when one segment is late`,
      interval: at(STEP),
      input_series: profile("lofi", late),
      alert_rule_test: [161, 162, 163, 170].map((i) => check(c, name, i * STEP, [])),
    },
  ];
}

function instanceTests(c: Ctx): PromtoolTest[] {
  const a = daemon(c);
  const b = daemon(c, "b");
  const up = (l: Labels, values: string) => ({ series: series("up", l), values });
  return [
    {
      name: "AntenneInstanceAbsent fires when a target disappears, not while it is scraped",
      interval: at(STEP),
      input_series: [up(a, runs([1, 60])), up(b, `${runs([1, 20])} stale`)],
      alert_rule_test: [
        check(c, "AntenneInstanceAbsent", 300, []),
        check(c, "AntenneInstanceAbsent", 900, [b]),
      ],
    },
    {
      name: "AntenneNoInstances fires only without any target",
      interval: at(STEP),
      input_series: [up({ ...a, job: "other" }, runs([1, 60])), up(b, runs([1, 4]))],
      alert_rule_test: [
        check(c, "AntenneNoInstances", 60, []),
        check(c, "AntenneNoInstances", 200, []),
        check(c, "AntenneNoInstances", 900, [{ job: c.o.job }]),
      ],
    },
  ];
}

function listenersTests(c: Ctx): PromtoolTest[] {
  const lj = c.o.listenersJob;
  if (!lj) return [];
  const l = { job: lj, instance: "listeners" };
  const shed = (values: string) => ({ series: series("antenne_listeners_shed_clients_total", l), values });
  return [
    {
      name: "AntenneListenersTableFull fires while clients are shed, quiet when none are",
      interval: at(STEP),
      input_series: [shed(runs([0, 20], [500, 80]))],
      alert_rule_test: [
        check(c, "AntenneListenersTableFull", 240, []),
        check(c, "AntenneListenersTableFull", 360, [l]),
        check(c, "AntenneListenersTableFull", 1400, []),
      ],
    },
  ];
}

/** Every test of the rendered rules. */
export function alertTests(o: MonitoringOptions, runbook: string): PromtoolTest[] {
  const rules: Rules = new Map();
  for (const g of ruleGroups(o)) for (const r of g.rules) if (isAlert(r)) rules.set(r.alert, r);
  const c: Ctx = { rules, o, runbook };
  const t = o.thresholds;
  return [
    ...durationCases(c).flatMap((dc) => durationTests(dc, runbook)),
    ...srtTests(c, "AntenneSrtLoss", "antenne_srt_packets_lost_total", t.srtLossRatio),
    ...srtTests(c, "AntenneSrtRetransmits", "antenne_srt_packets_retransmitted_total", t.srtRetransmitRatio),
    ...pushTests(c),
    ...encoderTests(c),
    ...hlsTests(c),
    ...instanceTests(c),
    ...listenersTests(c),
  ];
}
