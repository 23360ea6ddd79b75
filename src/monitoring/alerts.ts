/**
 * The alert rules: what goes wrong on air, said in PromQL over the daemon's metrics and the
 * scrape labels only (`job`, `instance` = `<channel>-<replica>`, `channel`, `replica`), so the
 * file works alone. Every alert names the channel and instance (and input or output) and links
 * its section of docs/runbook.md (anchor = alert name in lower case).
 *
 * Matching rule: a daemon's series are told apart by (job, instance); joins with another
 * metric are `on(job, instance, input)` so they also hold where `replica` is not set. Arithmetic
 * between two series of one target matches on all labels, which keeps them all in the alert.
 *
 * `for:` durations keep a short blip or a flapping condition quiet (every `for` resets as soon
 * as the condition is false once); rate-based alerts average over 5 min instead.
 */
import type { AlertThresholds, MonitoringOptions } from "./options.js";

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  severity: "critical" | "warning";
  /** Templates with `{{ $labels.x }}` only, so tests can state the exact text. */
  summary: string;
  description: string;
}

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: (AlertRule | RecordingRule)[];
}

const at = "{{ $labels.channel }} ({{ $labels.instance }})";
const sec = (s: number) => `${Math.round(s)}s`;
const pct = (r: number) => `${+(r * 100).toFixed(3)} %`;

/** The daemon series of the job: `m{job="antenne"}` plus extra matchers. */
export const sel =
  (job: string) =>
  (metric: string, extra = "") =>
    `${metric}{job="${job}"${extra ? `, ${extra}` : ""}}`;

/** Segment rate, 5 min average, per variant (recorded every evaluation). */
export const SEGMENT_RATE = "antenne:hls_segments:rate5m";
/** A variant's segment duration, learned from a day of segment rates (recorded every 5 min). */
export const SEGMENT_INTERVAL = "antenne:hls_segment_interval_seconds";

function airRules(job: string, t: AlertThresholds): AlertRule[] {
  const m = sel(job);
  const onIn = "on(job, instance, input)";
  return [
    {
      alert: "AntenneProgramBlank",
      expr: `${m("antenne_program_blank")} == 1`,
      for: sec(t.blankForSec),
      severity: "critical",
      summary: `${at}: program blank`,
      description: `The program of {{ $labels.channel }} on {{ $labels.instance }} has been below the silence threshold for more than ${sec(t.blankForSec)}: listeners hear silence or near-silence.`,
    },
    {
      alert: "AntenneOnSafetySource",
      expr: `${m("antenne_active_input")} == 1 and ${onIn} ${m("antenne_input_info", 'kind=~"file|tone"')}`,
      for: sec(t.safetyForSec),
      severity: "critical",
      summary: `${at}: on the safety source {{ $labels.input }}`,
      description: `{{ $labels.channel }} on {{ $labels.instance }} has been on its safety source {{ $labels.input }} for more than ${sec(t.safetyForSec)}: no studio input is available.`,
    },
    {
      alert: "AntenneOffTopInput",
      expr: `${m("antenne_active_input")} == 1 and ${onIn} ${m("antenne_input_info", 'kind="srt", priority!="0"')}`,
      for: `${t.offTopInputForMin}m`,
      severity: "warning",
      summary: `${at}: on {{ $labels.input }}, not its top-priority input`,
      description: `{{ $labels.channel }} on {{ $labels.instance }} has been on {{ $labels.input }} instead of its top-priority input for more than ${t.offTopInputForMin} min (failover, or a preference set by hand).`,
    },
    {
      alert: "AntenneReplicasOnDifferentInputs",
      expr:
        `${m("antenne_active_input")} == 1 and on(job, channel) ` +
        `(count by (job, channel) (count by (job, channel, input) (${m("antenne_active_input")} == 1)) > 1)`,
      for: sec(t.replicasDisagreeForSec),
      severity: "warning",
      summary: `${at}: on {{ $labels.input }} while another instance of the channel is on another input`,
      description: `The instances of {{ $labels.channel }} have been on different inputs for more than ${sec(t.replicasDisagreeForSec)}; {{ $labels.instance }} is on {{ $labels.input }}. Listeners switched between instances hear different sources.`,
    },
  ];
}

function inputRules(job: string, t: AlertThresholds): AlertRule[] {
  const m = sel(job);
  const onIn = "on(job, instance, input)";
  const look = `[${t.inputLookbackHours}h]`;
  const srt = (alert: string, counter: string, ratio: number, what: string): AlertRule => ({
    alert,
    expr:
      `rate(${m(counter)}[5m]) / (rate(${m("antenne_srt_packets_received_total")}[5m]) > 0)` + ` > ${ratio}`,
    for: "2m",
    severity: "warning",
    summary: `${at}: SRT ${what} above ${pct(ratio)} on {{ $labels.input }}`,
    description: `SRT packets ${what} / received on {{ $labels.input }} of {{ $labels.channel }} ({{ $labels.instance }}) have been above ${pct(ratio)} over 5 min: the path is degrading (audio is safe while SRT recovers within its latency).`,
  });
  return [
    {
      alert: "AntenneInputDown",
      expr: `${m("antenne_input_up")} == 0 and ${onIn} max_over_time(${m("antenne_input_up")}${look}) == 1`,
      for: sec(t.inputDownForSec),
      severity: "warning",
      summary: `${at}: input {{ $labels.input }} down`,
      description: `{{ $labels.input }} of {{ $labels.channel }} ({{ $labels.instance }}) has had no sender for more than ${sec(t.inputDownForSec)} (it was up within ${t.inputLookbackHours} h; inputs never fed stay quiet).`,
    },
    {
      alert: "AntenneInputUnavailable",
      expr:
        `${m("antenne_input_available")} == 0 and ${onIn} ${m("antenne_input_up")} == 1` +
        ` and ${onIn} max_over_time(${m("antenne_input_available")}${look}) == 1`,
      for: sec(t.inputDownForSec),
      severity: "warning",
      summary: `${at}: input {{ $labels.input }} connected but unavailable`,
      description: `{{ $labels.input }} of {{ $labels.channel }} ({{ $labels.instance }}) is connected but has not been able to go on air for more than ${sec(t.inputDownForSec)}: blank (see antenne_input_blank) or starving (audio not arriving in time).`,
    },
    srt("AntenneSrtLoss", "antenne_srt_packets_lost_total", t.srtLossRatio, "loss"),
    srt(
      "AntenneSrtRetransmits",
      "antenne_srt_packets_retransmitted_total",
      t.srtRetransmitRatio,
      "retransmissions",
    ),
    {
      alert: "AntenneInputDelayAtCap",
      expr:
        `${m("antenne_input_target_delay_seconds")} >= (0.99 * ${m("antenne_input_max_delay_seconds")})` +
        ` and ${onIn} ${m("antenne_input_up")} == 1`,
      for: `${t.delayAtCapForMin}m`,
      severity: "warning",
      summary: `${at}: input {{ $labels.input }} delay at its cap`,
      description: `The jitter target of {{ $labels.input }} ({{ $labels.channel }}, {{ $labels.instance }}) has been at its cap (maxBufferMs) for more than ${t.delayAtCapForMin} min: the sender is burstier than the buffer allows and audio may be cut.`,
    },
  ];
}

function outputRules(job: string, t: AlertThresholds): RuleGroup[] {
  const m = sel(job);
  const ts = m("antenne_hls_last_segment_timestamp_seconds");
  const push = (extra: string) => `sum without (code) (rate(${m("antenne_hls_push_total", extra)}[5m]))`;
  return [
    {
      name: "antenne-hls-rates",
      rules: [{ record: SEGMENT_RATE, expr: `rate(${m("antenne_hls_segments_total")}[5m])` }],
    },
    {
      // A day's median of the segment rate: the variant's segment duration, unmoved by a stall
      // shorter than half a day, without the fleet file having to say it.
      name: "antenne-hls-interval",
      interval: "5m",
      rules: [{ record: SEGMENT_INTERVAL, expr: `1 / (quantile_over_time(0.5, ${SEGMENT_RATE}[1d]) > 0)` }],
    },
    {
      name: "antenne-outputs",
      rules: [
        {
          alert: "AntenneHlsStale",
          // Age at the scrape itself (timestamp()), so the scrape interval adds nothing.
          expr:
            `timestamp(${ts}) - ${ts} > ` +
            `(${t.hlsStaleSegments} * last_over_time(${SEGMENT_INTERVAL}[30m]))`,
          for: "30s",
          severity: "critical",
          summary: `${at}: HLS {{ $labels.profile }} stale`,
          description: `No HLS segment of {{ $labels.profile }} for {{ $labels.channel }} on {{ $labels.instance }} for more than ${t.hlsStaleSegments} segment durations: players of this instance stall.`,
        },
        {
          alert: "AntenneEncoderRestarting",
          expr: `max without (profile) (increase(${m("antenne_encoder_restarts_total")}[15m])) >= ${t.encoderRestarts15m}`,
          for: "0s",
          severity: "warning",
          summary: `${at}: encoder restarting repeatedly`,
          description: `The encoder of {{ $labels.channel }} on {{ $labels.instance }} restarted ${t.encoderRestarts15m} times or more within 15 min: every restart is a discontinuity in HLS and a reconnect on Icecast.`,
        },
        {
          alert: "AntenneIcecastMountDown",
          expr: `${m("antenne_output_up", 'output!="hls"')} == 0`,
          for: sec(t.outputDownForSec),
          severity: "warning",
          summary: `${at}: Icecast mount {{ $labels.output }} down`,
          description: `The Icecast source {{ $labels.output }} of {{ $labels.channel }} ({{ $labels.instance }}) has not been delivering for more than ${sec(t.outputDownForSec)}; listener mounts fall back to the other instance if it is up.`,
        },
        {
          alert: "AntenneHlsPushFailing",
          expr: `${push('code!~"2.."')} / ${push("")} > ${t.pushFailureRatio}`,
          for: "2m",
          severity: "warning",
          summary: `${at}: HLS push failing`,
          description: `More than ${pct(t.pushFailureRatio)} of the HLS push requests of {{ $labels.channel }} ({{ $labels.instance }}) failed over 5 min: the origin is missing segments from this instance.`,
        },
        {
          alert: "AntenneClockOffset",
          expr: `abs(${m("antenne_clock_offset_seconds")}) > ${t.clockOffsetSec}`,
          for: "2m",
          severity: "warning",
          summary: `${at}: program clock off wall clock by more than ${t.clockOffsetSec}s`,
          description: `The program clock of {{ $labels.channel }} on {{ $labels.instance }} has been more than ${t.clockOffsetSec}s away from the wall clock for 2 min: its HLS no longer lines up with the other instance's (check NTP).`,
        },
      ],
    },
  ];
}

function instanceRules(o: MonitoringOptions): AlertRule[] {
  const t = o.thresholds;
  const up = `up{job="${o.job}"}`;
  const rules: AlertRule[] = [
    {
      alert: "AntenneInstanceDown",
      expr: `${up} == 0`,
      for: sec(t.instanceDownForSec),
      severity: "warning",
      summary: `${at}: instance down`,
      description: `Prometheus has not been able to scrape {{ $labels.instance }} of {{ $labels.channel }} for more than ${sec(t.instanceDownForSec)}; the channel is on air only from its other instances.`,
    },
    {
      alert: "AntenneChannelDown",
      expr: `max by (job, channel) (${up}) == 0`,
      for: sec(t.instanceDownForSec),
      severity: "critical",
      summary: "{{ $labels.channel }}: no instance up",
      description: `No instance of {{ $labels.channel }} has been scraped for more than ${sec(t.instanceDownForSec)}: the channel is probably off air.`,
    },
    {
      alert: "AntenneInstanceAbsent",
      expr: `max_over_time(${up}[1h]) unless ${up}`,
      for: "5m",
      severity: "warning",
      summary: `${at}: instance absent from the scrape targets`,
      description: `{{ $labels.instance }} of {{ $labels.channel }} was scraped within the last hour but is no longer a target (deleted, or service discovery lost it). Silence it if it was removed on purpose.`,
    },
    {
      alert: "AntenneNoInstances",
      expr: `absent(${up})`,
      for: "5m",
      severity: "critical",
      summary: `No antenne instance at all in job ${o.job}`,
      description: `Prometheus has no target of job ${o.job}: the scrape configuration or service discovery is broken, and no other antenne alert can fire.`,
    },
  ];
  if (o.listenersJob) rules.push(...listenersRules(o.listenersJob));
  return rules;
}

function listenersRules(job: string): AlertRule[] {
  return [
    {
      alert: "AntenneListenersDown",
      expr: `up{job="${job}"} == 0 or absent(up{job="${job}"})`,
      for: "5m",
      severity: "warning",
      summary: "Listeners service down: audience figures missing",
      description: `The listeners service (job ${job}) has not been scraped for 5 min: antenne_listeners is missing.`,
    },
    {
      alert: "AntenneListenersTableFull",
      expr: `increase(antenne_listeners_shed_clients_total{job="${job}"}[10m]) > 0`,
      for: "0s",
      severity: "warning",
      summary: "Listeners service: client table full, HLS counts are a lower bound",
      description:
        "New HLS clients were shed because the listener table reached its bound (maxClients): HLS listener counts are too low. Raise the bound if the audience is real.",
    },
    {
      alert: "AntenneListenersIcecastStatsDown",
      expr: `antenne_listeners_icecast_up{job="${job}"} == 0`,
      for: "5m",
      severity: "warning",
      summary: "Listeners service: Icecast server {{ $labels.server }} stats unreachable",
      description:
        "The stats of Icecast server {{ $labels.server }} could not be read for 5 min: its listeners are missing from antenne_listeners.",
    },
  ];
}

/** Every rule group, in file order. */
export function ruleGroups(o: MonitoringOptions): RuleGroup[] {
  return [
    { name: "antenne-air", rules: airRules(o.job, o.thresholds) },
    { name: "antenne-inputs", rules: inputRules(o.job, o.thresholds) },
    ...outputRules(o.job, o.thresholds),
    { name: "antenne-instances", rules: instanceRules(o) },
  ];
}

export const isAlert = (r: AlertRule | RecordingRule): r is AlertRule => "alert" in r;

/** The rule-file shape of a group (labels and annotations filled in). */
export function ruleFileGroup(g: RuleGroup, runbookUrl: string): Record<string, unknown> {
  return {
    name: g.name,
    ...(g.interval ? { interval: g.interval } : {}),
    rules: g.rules.map((r) =>
      isAlert(r)
        ? {
            alert: r.alert,
            expr: r.expr,
            for: r.for,
            labels: { severity: r.severity },
            annotations: {
              summary: r.summary,
              description: r.description,
              runbook_url: `${runbookUrl}#${r.alert.toLowerCase()}`,
            },
          }
        : { record: r.record, expr: r.expr },
    ),
  };
}
