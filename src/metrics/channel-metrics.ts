import { Registry, collectDefaultMetrics } from "prom-client";
import type { ChannelStatus, ChannelView } from "../channel/view.js";
import type { Clock } from "../clock/clock.js";
import { ERROR_CODES } from "../errors/catalogue.js";
import { mirroredCounter, pulledGauge, type Labels } from "./pulled.js";

/**
 * Prometheus metrics of SPEC §7, pulled: every metric reads channel state in collect().
 * Counters mirror monotonic totals kept by the components. Output kinds register their own
 * metrics (registerMetrics of each OutputKind); these are the channel's.
 */
export function createMetrics(view: ChannelView, clock: Clock): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ channel: view.channel });
  // prom-client samples the event loop for its nodejs_eventloop_lag_{min,…,p99}_seconds with a
  // timer at this precision: at its 10 ms default that timer alone cost 0.7 % of a core. Those
  // gauges are replaced by antenne_eventloop_lag_*_seconds, measured on the program clock's own
  // ticks for free; nodejs_eventloop_lag_seconds (probed at scrape time) stays.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
  for (const name of [
    // promtool rejects gauges whose names end in _total.
    "nodejs_active_handles_total",
    "nodejs_active_requests_total",
    "nodejs_active_resources_total",
    ...["min", "max", "mean", "stddev", "p50", "p90", "p99"].map((q) => `nodejs_eventloop_lag_${q}_seconds`),
  ]) {
    registry.removeSingleMetric(name);
  }
  let snap: ChannelStatus | null = null;
  let snapAt = 0;
  // One status snapshot per scrape, shared by every collect().
  const s = (): ChannelStatus => {
    const now = clock.monoMs();
    if (!snap || now - snapAt > 200) {
      snap = view.status();
      snapAt = now;
    }
    return snap;
  };
  const gauge = (
    name: string,
    help: string,
    labelNames: string[],
    collect: Parameters<typeof pulledGauge>[4],
  ) => pulledGauge(registry, name, help, labelNames, collect);
  const mirror = (name: string, help: string, labelNames: string[], read: () => [Labels, number][]) =>
    mirroredCounter(registry, name, help, labelNames, read);

  const perInput = <T>(f: (i: ChannelStatus["inputs"][number]) => T) =>
    s().inputs.map((i) => [i, f(i)] as const);
  const b = (x: boolean) => (x ? 1 : 0);

  gauge("antenne_input_up", "1 when the input is connected and receiving", ["input"], (g) =>
    perInput((i) => i.state === "connected").forEach(([i, v]) => g.set({ input: i.id }, b(v))),
  );
  gauge("antenne_input_available", "1 when the input can go on air", ["input"], (g) =>
    perInput((i) => i.available).forEach(([i, v]) => g.set({ input: i.id }, b(v))),
  );
  gauge(
    "antenne_input_blank",
    "1 while the input is blank (below the silence threshold too long)",
    ["input"],
    (g) => perInput((i) => i.blank).forEach(([i, v]) => g.set({ input: i.id }, b(v))),
  );
  gauge("antenne_input_level_dbfs", "Input level of the last program frame, dBFS", ["input", "stat"], (g) =>
    s().inputs.forEach((i) => {
      g.set({ input: i.id, stat: "rms" }, i.levelDb.rms);
      g.set({ input: i.id, stat: "peak" }, i.levelDb.peak);
    }),
  );
  gauge("antenne_input_loudness_lufs", "EBU R128 loudness of the input, LUFS", ["input", "window"], (g) =>
    s().inputs.forEach((i) => {
      if (i.lufsMomentary !== null) g.set({ input: i.id, window: "momentary" }, i.lufsMomentary);
      if (i.lufsShortTerm !== null) g.set({ input: i.id, window: "short_term" }, i.lufsShortTerm);
    }),
  );
  gauge("antenne_input_buffer_seconds", "Audio held in the input buffer", ["input"], (g) =>
    s().inputs.forEach((i) => g.set({ input: i.id }, i.bufferMs / 1000)),
  );
  gauge(
    "antenne_input_drift_ppm",
    "Sender clock offset compensated (positive: sender fast)",
    ["input"],
    (g) => s().inputs.forEach((i) => g.set({ input: i.id }, i.driftPpm)),
  );
  mirror("antenne_input_received_bytes_total", "Bytes received on the input", ["input"], () =>
    s().inputs.map((i) => [{ input: i.id }, i.receivedBytes]),
  );
  mirror("antenne_input_connections_total", "Connections accepted or made by the input", ["input"], () =>
    s().inputs.map((i) => [{ input: i.id }, i.connections]),
  );
  mirror(
    "antenne_input_rejected_total",
    "Connections or data rejected by the input",
    ["input", "reason"],
    () =>
      s().inputs.flatMap((i) =>
        ["passphrase", "busy", "streamid", "undecodable", ...Object.keys(i.rejected)]
          .filter((r, k, a) => a.indexOf(r) === k)
          .map((r) => [{ input: i.id, reason: r }, i.rejected[r] ?? 0] as [Record<string, string>, number]),
      ),
  );
  mirror("antenne_input_unavailable_seconds_total", "Time the input was not available", ["input"], () =>
    s().inputs.map((i) => [{ input: i.id }, i.unavailableSec]),
  );

  const srtInputs = () => s().inputs.flatMap((i) => (i.kind === "srt" ? [i] : []));
  gauge("antenne_srt_rtt_seconds", "SRT round-trip time", ["input"], (g) =>
    srtInputs().forEach((i) => g.set({ input: i.id }, i.srt.rttMs / 1000)),
  );
  gauge("antenne_srt_receive_buffer_seconds", "SRT receive buffer", ["input"], (g) =>
    srtInputs().forEach((i) => g.set({ input: i.id }, i.srt.receiveBufferMs / 1000)),
  );
  // Bytes, not bits: `promtool check metrics` rejects "bits" as a unit (base unit is bytes).
  gauge("antenne_srt_receive_rate_bytes_per_second", "SRT receive rate", ["input"], (g) =>
    srtInputs().forEach((i) => g.set({ input: i.id }, (i.srt.receiveRateKbps * 1000) / 8)),
  );
  const srtCounter = (
    name: string,
    help: string,
    key: "packetsReceived" | "packetsLost" | "packetsDropped" | "packetsRetransmitted",
  ) => mirror(name, help, ["input"], () => srtInputs().map((i) => [{ input: i.id }, i.srt[key]]));
  srtCounter("antenne_srt_packets_received_total", "SRT packets received", "packetsReceived");
  srtCounter("antenne_srt_packets_lost_total", "SRT packets lost", "packetsLost");
  srtCounter("antenne_srt_packets_dropped_total", "SRT packets dropped (too late)", "packetsDropped");
  srtCounter("antenne_srt_packets_retransmitted_total", "SRT packets retransmitted", "packetsRetransmitted");

  gauge("antenne_active_input", "1 for the input on air", ["input"], (g) =>
    s().inputs.forEach((i) => g.set({ input: i.id }, b(s().active === i.id))),
  );
  gauge("antenne_preferred_input", "1 for the preferred input", ["input"], (g) =>
    s().inputs.forEach((i) => g.set({ input: i.id }, b(s().preferred === i.id))),
  );
  mirror("antenne_switches_total", "Program switches", ["from", "to", "reason"], () =>
    view.counters().switches.map((w) => [{ from: w.from, to: w.to, reason: w.reason }, w.count]),
  );
  gauge("antenne_program_blank", "1 while the program is blank", [], (g) => g.set(b(s().program.blank)));
  gauge("antenne_program_loudness_lufs", "EBU R128 loudness of the program, LUFS", ["window"], (g) => {
    const p = s().program;
    if (p.lufsMomentary !== null) g.set({ window: "momentary" }, p.lufsMomentary);
    if (p.lufsShortTerm !== null) g.set({ window: "short_term" }, p.lufsShortTerm);
  });

  gauge("antenne_output_up", "1 while the output delivers", ["output"], (g) =>
    s().outputs.forEach((o) => g.set({ output: o.id }, b(o.up))),
  );
  mirror("antenne_output_restarts_total", "Output reconnects/restarts", ["output"], () =>
    s().outputs.map((o) => [{ output: o.id }, o.restarts]),
  );
  mirror("antenne_output_sent_bytes_total", "Bytes delivered by the output", ["output"], () =>
    s().outputs.map((o) => [{ output: o.id }, o.sentBytes]),
  );
  mirror("antenne_encoder_restarts_total", "Encoder restarts", ["profile"], () =>
    s().profiles.map((p) => [{ profile: p.profile }, p.encoderRestarts]),
  );
  for (const [q, key] of [
    ["p50", "p50Ms"],
    ["p90", "p90Ms"],
    ["p99", "p99Ms"],
    ["max", "maxMs"],
  ] as const) {
    gauge(
      `antenne_eventloop_lag_${q}_seconds`,
      `Event-loop lag, ${q} over the last minute of program clock ticks (how late they ran)`,
      [],
      (g) => g.set(view.counters().eventLoopLag[key] / 1000),
    );
  }
  gauge("antenne_input_info", "Static facts about each input (value 1)", ["input", "kind", "priority"], (g) =>
    s().inputs.forEach((i) => g.set({ input: i.id, kind: i.kind, priority: String(i.priority) }, 1)),
  );
  gauge(
    "antenne_input_target_delay_seconds",
    "The delay the input holds (its jitter target)",
    ["input"],
    (g) => s().inputs.forEach((i) => g.set({ input: i.id }, i.targetDelayMs / 1000)),
  );
  gauge("antenne_input_max_delay_seconds", "The most the input's delay may grow to", ["input"], (g) =>
    s().inputs.forEach((i) => g.set({ input: i.id }, i.maxDelayMs / 1000)),
  );
  gauge("antenne_clock_offset_seconds", "Wall clock minus program clock", [], (g) =>
    g.set(s().program.clockOffsetMs / 1000),
  );
  mirror(
    "antenne_clock_reanchors_total",
    "Times the program timeline was re-anchored on the wall clock",
    [],
    () => [[{}, s().program.clockReanchors]],
  );
  gauge(
    "antenne_input_offset_seconds",
    "Program position minus the input position playing now: the sender-to-program offset",
    ["input"],
    (g) =>
      s().inputs.forEach((i) => {
        if (i.timing?.offsetSec != null) g.set({ input: i.id }, i.timing.offsetSec);
      }),
  );
  gauge(
    "antenne_input_arrival_gap_seconds",
    "Gaps between arrivals over the last minute (how bursty the sender is)",
    ["input", "stat"],
    (g) =>
      s().inputs.forEach((i) => {
        if (!i.timing) return;
        const q = i.timing.arrivalGapMs;
        for (const [k, v] of [
          ["p50", q.p50],
          ["p90", q.p90],
          ["p99", q.p99],
          ["max", q.max],
        ] as const)
          g.set({ input: i.id, stat: k }, v / 1000);
      }),
  );
  mirror(
    "antenne_input_concealed_seconds_total",
    "Input audio lost or late on the way, concealed as silence of its length",
    ["input"],
    () => s().inputs.map((i) => [{ input: i.id }, (i.timing?.concealedMs ?? 0) / 1000]),
  );
  mirror("antenne_errors_total", "Catalogued errors by code (docs/errors.md)", ["code"], () => {
    const totals = view.counters().errors;
    return ERROR_CODES.map((code) => [{ code }, totals.get(code) ?? 0]);
  });
  return registry;
}
