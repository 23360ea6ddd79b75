/**
 * The alerts whose condition is a level held for `for:`, as cases for promtool tests, and the
 * series and labels every alert test is built from.
 */
import type { AlertRule } from "./alerts.js";
import type { MonitoringOptions } from "./options.js";
import { series, type DurationCase, type Labels } from "./promtool-tests.js";

export type Rules = Map<string, AlertRule>;
export type Ctx = { rules: Rules; o: MonitoringOptions; runbook: string };

export const rule = (c: Ctx, name: string): AlertRule => {
  const r = c.rules.get(name);
  if (!r) throw new Error(`no alert ${name}`);
  return r;
};

export function daemon(c: Ctx, replica = "a"): Labels {
  return { job: c.o.job, instance: `fip-${replica}`, channel: "fip", replica };
}

function infoSeries(c: Ctx, replica = "a"): { series: string; value: number }[] {
  const d = daemon(c, replica);
  return [
    ["voieA", "srt", "0"],
    ["voieB", "srt", "1"],
    ["safety", "tone", "2"],
  ].map(([input, kind, priority]) => ({
    series: series("antenne_input_info", { ...d, input: input!, kind: kind!, priority: priority! }),
    value: 1,
  }));
}

/** Alerts whose condition is a level held for `for:`. */
export function durationCases(c: Ctx): DurationCase[] {
  const t = c.o.thresholds;
  const d = daemon(c);
  const s = (m: string, extra: Labels = {}) => series(m, { ...d, ...extra });
  const active = (input: string, l: Labels = d) => series("antenne_active_input", { ...l, input });
  const cases: DurationCase[] = [
    {
      rule: rule(c, "AntenneProgramBlank"),
      forSec: t.blankForSec,
      toggles: [{ series: s("antenne_program_blank"), good: 0, bad: 1 }],
      fixed: [],
      fires: [d],
    },
    {
      rule: rule(c, "AntenneOnSafetySource"),
      forSec: t.safetyForSec,
      toggles: [
        { series: active("voieA"), good: 1, bad: 0 },
        { series: active("safety"), good: 0, bad: 1 },
      ],
      fixed: [...infoSeries(c), { series: active("voieB"), value: 0 }],
      fires: [{ ...d, input: "safety" }],
    },
    {
      rule: rule(c, "AntenneOffTopInput"),
      forSec: t.offTopInputForMin * 60,
      toggles: [
        { series: active("voieA"), good: 1, bad: 0 },
        { series: active("voieB"), good: 0, bad: 1 },
      ],
      fixed: [...infoSeries(c), { series: active("safety"), value: 0 }],
      fires: [{ ...d, input: "voieB" }],
    },
    {
      rule: rule(c, "AntenneReplicasOnDifferentInputs"),
      forSec: t.replicasDisagreeForSec,
      toggles: [
        { series: active("voieA", daemon(c, "b")), good: 1, bad: 0 },
        { series: active("voieB", daemon(c, "b")), good: 0, bad: 1 },
      ],
      fixed: [
        { series: active("voieA"), value: 1 },
        { series: active("voieB"), value: 0 },
      ],
      fires: [
        { ...d, input: "voieA" },
        { ...daemon(c, "b"), input: "voieB" },
      ],
    },
    {
      rule: rule(c, "AntenneInputDown"),
      forSec: t.inputDownForSec,
      toggles: [{ series: s("antenne_input_up", { input: "voieA" }), good: 1, bad: 0 }],
      // A spare input that never had a sender stays quiet.
      fixed: [{ series: s("antenne_input_up", { input: "spare" }), value: 0 }],
      fires: [{ ...d, input: "voieA" }],
    },
    {
      rule: rule(c, "AntenneInputUnavailable"),
      forSec: t.inputDownForSec,
      toggles: [{ series: s("antenne_input_available", { input: "voieA" }), good: 1, bad: 0 }],
      fixed: [
        { series: s("antenne_input_up", { input: "voieA" }), value: 1 },
        { series: s("antenne_input_up", { input: "spare" }), value: 0 },
        { series: s("antenne_input_available", { input: "spare" }), value: 0 },
      ],
      fires: [{ ...d, input: "voieA" }],
    },
    {
      rule: rule(c, "AntenneInputDelayAtCap"),
      forSec: t.delayAtCapForMin * 60,
      toggles: [{ series: s("antenne_input_target_delay_seconds", { input: "voieA" }), good: 0.3, bad: 2 }],
      fixed: [
        { series: s("antenne_input_max_delay_seconds", { input: "voieA" }), value: 2 },
        { series: s("antenne_input_up", { input: "voieA" }), value: 1 },
      ],
      fires: [{ ...d, input: "voieA" }],
    },
    {
      rule: rule(c, "AntenneIcecastMountDown"),
      forSec: t.outputDownForSec,
      toggles: [{ series: s("antenne_output_up", { output: "hifi-aac" }), good: 1, bad: 0 }],
      // HLS is watched by AntenneHlsStale, not here.
      fixed: [{ series: s("antenne_output_up", { output: "hls" }), value: 0 }],
      fires: [{ ...d, output: "hifi-aac" }],
    },
    {
      rule: rule(c, "AntenneClockOffset"),
      forSec: 120,
      toggles: [{ series: s("antenne_clock_offset_seconds"), good: 0.001, bad: -2 * t.clockOffsetSec }],
      fixed: [],
      fires: [d],
    },
    {
      rule: rule(c, "AntenneInstanceDown"),
      forSec: t.instanceDownForSec,
      toggles: [{ series: series("up", d), good: 1, bad: 0 }],
      fixed: [{ series: series("up", daemon(c, "b")), value: 1 }],
      fires: [d],
    },
    {
      rule: rule(c, "AntenneChannelDown"),
      forSec: t.instanceDownForSec,
      toggles: [
        { series: series("up", d), good: 1, bad: 0 },
        { series: series("up", daemon(c, "b")), good: 1, bad: 0 },
      ],
      fixed: [],
      fires: [{ job: c.o.job, channel: "fip" }],
    },
  ];
  const lj = c.o.listenersJob;
  if (lj) {
    const l = { job: lj, instance: "listeners" };
    cases.push(
      {
        rule: rule(c, "AntenneListenersDown"),
        forSec: 300,
        toggles: [{ series: series("up", l), good: 1, bad: 0 }],
        fixed: [],
        fires: [l],
      },
      {
        rule: rule(c, "AntenneListenersIcecastStatsDown"),
        forSec: 300,
        toggles: [
          { series: series("antenne_listeners_icecast_up", { ...l, server: "relay-1" }), good: 1, bad: 0 },
        ],
        fixed: [],
        fires: [{ ...l, server: "relay-1" }],
      },
    );
  }
  return cases;
}
