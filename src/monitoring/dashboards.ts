/**
 * The two Grafana dashboards: one per channel (variables `channel` and `replica`, both
 * label_values of the scraped series), and a fleet overview. Every query is proven to return
 * data against a real Prometheus scraping real daemons (test/e2e/monitoring-dashboards.test.ts).
 */
import {
  dashboard,
  q,
  queryVariable,
  row,
  stat,
  stateTimeline,
  table,
  timeseries,
  type JsonDashboard,
  type Panel,
  type RowPanel,
} from "./grafana.js";
import type { MonitoringOptions } from "./options.js";

const W = { full: { w: 24, h: 8 }, half: { w: 12, h: 8 }, third: { w: 8, h: 8 }, quarter: { w: 6, h: 6 } };
const ON_AIR: { on: [string, string]; off: [string, string] } = {
  on: ["on air", "green"],
  off: ["", "transparent"],
};
const UP: { on: [string, string]; off: [string, string] } = { on: ["up", "green"], off: ["down", "red"] };
const AVAILABLE: { on: [string, string]; off: [string, string] } = {
  on: ["available", "green"],
  off: ["unavailable", "red"],
};
const BLANK: { on: [string, string]; off: [string, string] } = {
  on: ["blank", "red"],
  off: ["sound", "green"],
};

function channelPanels(job: string, listenersJob: string | null): (Panel | RowPanel)[] {
  // Per-instance panels follow the replica selector; comparison panels show every replica.
  const s = `job="${job}", channel="$channel", replica=~"$replica"`;
  const ch = `job="${job}", channel="$channel"`;
  const byIn = "{{replica}} {{input}}";
  const r = "$__rate_interval";
  const panels: (Panel | RowPanel)[] = [
    row("On air"),
    stateTimeline("On-air input", [q(`antenne_active_input{${s}}`, byIn)], ON_AIR, W.full),
    stateTimeline("Program blank", [q(`antenne_program_blank{${s}}`, "{{replica}}")], BLANK, W.half),
    timeseries(
      "Program loudness",
      [q(`antenne_program_loudness_lufs{${s}}`, "{{replica}} {{window}}")],
      "lufs",
      W.half,
    ),
    row("Inputs"),
    stateTimeline("Availability per input", [q(`antenne_input_available{${s}}`, byIn)], AVAILABLE, W.half),
    stateTimeline("Blank per input", [q(`antenne_input_blank{${s}}`, byIn)], BLANK, W.half),
    timeseries(
      "Input level (RMS, peak)",
      [q(`antenne_input_level_dbfs{${s}}`, "{{replica}} {{input}} {{stat}}")],
      "dB",
      W.half,
    ),
    timeseries(
      "Input loudness (short-term)",
      [q(`antenne_input_loudness_lufs{${s}, window="short_term"}`, byIn)],
      "lufs",
      W.half,
    ),
    row("SRT"),
    timeseries("SRT round-trip time", [q(`antenne_srt_rtt_seconds{${s}}`, byIn)], "s", W.half),
    timeseries(
      "SRT receive rate",
      [q(`8 * antenne_srt_receive_rate_bytes_per_second{${s}}`, byIn)],
      "bps",
      W.half,
    ),
    timeseries(
      "SRT packets lost, retransmitted, dropped",
      [
        q(`rate(antenne_srt_packets_lost_total{${s}}[${r}])`, `${byIn} lost`),
        q(`rate(antenne_srt_packets_retransmitted_total{${s}}[${r}])`, `${byIn} retransmitted`),
        q(`rate(antenne_srt_packets_dropped_total{${s}}[${r}])`, `${byIn} dropped`),
      ],
      "pps",
      W.half,
    ),
    timeseries("SRT receive buffer", [q(`antenne_srt_receive_buffer_seconds{${s}}`, byIn)], "s", W.half),
    row("Delay and drift"),
    timeseries(
      "Input delay: buffer, target, cap",
      [
        q(`antenne_input_buffer_seconds{${s}}`, `${byIn} buffer`),
        q(`antenne_input_target_delay_seconds{${s}}`, `${byIn} target`),
        q(`antenne_input_max_delay_seconds{${s}}`, `${byIn} cap`),
      ],
      "s",
      W.half,
    ),
    timeseries("Input drift", [q(`antenne_input_drift_ppm{${s}}`, byIn)], "ppm", W.half),
    timeseries("Sender to program offset", [q(`antenne_input_offset_seconds{${s}}`, byIn)], "s", W.half),
    timeseries(
      "Errors by code",
      [q(`sum by (replica, code) (increase(antenne_errors_total{${s}}[${r}]))`, "{{replica}} {{code}}")],
      "short",
      W.half,
    ),
    row("Outputs"),
    stateTimeline("Outputs up", [q(`antenne_output_up{${s}}`, "{{replica}} {{output}}")], UP, W.half),
    timeseries(
      "HLS segment age (at scrape)",
      [
        q(
          `timestamp(antenne_hls_last_segment_timestamp_seconds{${s}}) - antenne_hls_last_segment_timestamp_seconds{${s}}`,
          "{{replica}} {{profile}}",
        ),
      ],
      "s",
      W.half,
    ),
    timeseries(
      "Restarts",
      [
        q(`increase(antenne_output_restarts_total{${s}}[${r}])`, "{{replica}} output {{output}}"),
        q(`increase(antenne_encoder_restarts_total{${s}}[${r}])`, "{{replica}} encoder {{profile}}"),
      ],
      "short",
      W.half,
    ),
    timeseries(
      "HLS push answers",
      [q(`sum by (replica, code) (rate(antenne_hls_push_total{${s}}[${r}]))`, "{{replica}} {{code}}")],
      "reqps",
      W.half,
    ),
    row("Listeners"),
  ];
  if (listenersJob) {
    const l = `job="${listenersJob}", channel="$channel"`;
    panels.push(
      timeseries(
        "Listeners by delivery",
        [q(`antenne_listeners{${l}}`, "{{delivery}}"), q(`antenne_channel_listeners{${l}}`, "total")],
        "short",
        W.half,
      ),
      stat("Listeners now", [q(`antenne_channel_listeners{${l}}`, "total")], "short", W.quarter),
    );
  }
  panels.push(
    timeseries(
      "Icecast listeners per mount (Icecast's count)",
      [q(`antenne_icecast_listeners{${s}}`, "{{replica}} {{output}}")],
      "short",
      W.half,
    ),
    row("Instances"),
    stat(
      "Inputs on air across instances (1 = all agree)",
      [
        q(
          `count by (channel) (count by (channel, input) (antenne_active_input{${ch}} == 1))`,
          "inputs on air",
        ),
      ],
      "short",
      W.quarter,
    ),
    stateTimeline("Instances up", [q(`up{${ch}}`, "{{instance}}")], UP, W.half),
    timeseries(
      "Clock offset (wall − program)",
      [q(`antenne_clock_offset_seconds{${ch}}`, "{{replica}}")],
      "s",
      W.half,
    ),
    timeseries(
      "Clock re-anchors",
      [q(`increase(antenne_clock_reanchors_total{${ch}}[${r}])`, "{{replica}}")],
      "short",
      W.half,
    ),
  );
  return panels;
}

export function channelDashboard(o: MonitoringOptions): JsonDashboard {
  const j = o.job;
  return dashboard(
    "antenne-channel",
    "antenne — channel",
    [
      queryVariable("channel", "Channel", `label_values(antenne_active_input{job="${j}"}, channel)`, false),
      queryVariable(
        "replica",
        "Instance",
        `label_values(antenne_active_input{job="${j}", channel="$channel"}, replica)`,
        true,
      ),
    ],
    channelPanels(j, o.listenersJob),
  );
}

export function fleetDashboard(o: MonitoringOptions): JsonDashboard {
  const j = `job="${o.job}"`;
  const panels: (Panel | RowPanel)[] = [
    row("Air"),
    table(
      "On air now",
      q(
        `(antenne_active_input{${j}} == 1) * on(job, instance, input) group_left(kind, priority) antenne_input_info{${j}}`,
        "",
        true,
      ),
      ["Time", "Value", "__name__", "job"],
      W.half,
    ),
    stateTimeline(
      "Program blank by channel",
      [q(`max by (channel) (antenne_program_blank{${j}})`, "{{channel}}")],
      BLANK,
      W.half,
    ),
    stateTimeline("Instances up", [q(`up{${j}}`, "{{instance}}")], UP, W.full),
  ];
  if (o.listenersJob) {
    const l = `job="${o.listenersJob}"`;
    panels.push(
      row("Listeners"),
      stat(
        "Listeners now, every channel",
        [q(`sum(antenne_channel_listeners{${l}})`, "total")],
        "short",
        W.quarter,
      ),
      stat(
        "Listeners by delivery",
        [q(`sum by (delivery) (antenne_listeners{${l}})`, "{{delivery}}")],
        "short",
        W.quarter,
      ),
      timeseries(
        "Listeners by channel",
        [q(`antenne_channel_listeners{${l}}`, "{{channel}}")],
        "short",
        W.half,
        {
          stacking: { mode: "normal", group: "A" },
        },
      ),
    );
  }
  return dashboard("antenne-fleet", "antenne — fleet", [], panels);
}
