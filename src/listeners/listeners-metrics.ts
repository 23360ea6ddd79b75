/**
 * The listeners service's /metrics, pulled at scrape time.
 *
 * Shape: `antenne_listeners{channel,delivery}` holds one series per delivery (hls, icecast)
 * and nothing else, so `sum(antenne_listeners)` is the audience; the per-channel total is a
 * separate name, `antenne_channel_listeners{channel}`, so no sum() ever adds it to its parts.
 * Label values are bounded (configured channels and servers) and created at start.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { LINE_RESULTS, type Ingest, type LineSource } from "./ingest.js";
import type { IcecastPoller } from "./icecast-poller.js";
import type { ListenerTable } from "./listener-table.js";

export interface ListenerCounts {
  channel: string;
  hls: number;
  icecast: number;
  total: number;
}

export interface MetricsSources {
  channels: string[];
  table: ListenerTable;
  ingest: Ingest;
  icecast: IcecastPoller;
  now: () => number;
}

/** Every channel's counts now. */
export function listenerCounts(s: MetricsSources): ListenerCounts[] {
  const now = s.now();
  return s.channels.map((channel) => {
    const hls = s.table.count(channel, now);
    const icecast = s.icecast.listeners(channel);
    return { channel, hls, icecast, total: hls + icecast };
  });
}

export function createListenersMetrics(s: MetricsSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
  for (const name of [
    "nodejs_active_handles_total",
    "nodejs_active_requests_total",
    "nodejs_active_resources_total",
  ]) {
    registry.removeSingleMetric(name); // promtool rejects gauges named …_total
  }
  // One count per scrape, shared by the two gauges that show it.
  let snap: ListenerCounts[] = [];
  let snapAt = -Infinity;
  const counts = () => {
    const now = s.now();
    if (Math.abs(now - snapAt) > 200) {
      snap = listenerCounts(s);
      snapAt = now;
    }
    return snap;
  };
  new Gauge({
    name: "antenne_listeners",
    help: "Live listeners by delivery: HLS clients seen within 2 x segmentSec, Icecast listeners of the master and relays",
    labelNames: ["channel", "delivery"],
    registers: [registry],
    collect() {
      for (const c of counts()) {
        this.set({ channel: c.channel, delivery: "hls" }, c.hls);
        this.set({ channel: c.channel, delivery: "icecast" }, c.icecast);
      }
    },
  });
  new Gauge({
    name: "antenne_channel_listeners",
    help: "Live listeners of the channel, every delivery together",
    labelNames: ["channel"],
    registers: [registry],
    collect() {
      for (const c of counts()) this.set({ channel: c.channel }, c.total);
    },
  });
  new Gauge({
    name: "antenne_listeners_tracked_clients",
    help: "HLS clients held in the listener table (all channels)",
    registers: [registry],
    collect() {
      this.set(s.table.tracked);
    },
  });
  new Gauge({
    name: "antenne_listeners_tracked_clients_limit",
    help: "Most HLS clients the listener table holds; new clients beyond it are shed",
    registers: [registry],
    collect() {
      this.set(s.table.maxClients);
    },
  });
  mirror(
    registry,
    "antenne_listeners_shed_clients_total",
    "New HLS clients not tracked because the table was full",
    [],
    () => [[{}, s.table.shed]],
  );
  mirror(
    registry,
    "antenne_listeners_log_lines_total",
    "Access log lines received, by source and result",
    ["source", "result"],
    () =>
      (["syslog", "http"] as LineSource[]).flatMap((source) =>
        LINE_RESULTS.map((result) => [{ source, result }, s.ingest.lines[source][result]] as const),
      ),
  );
  new Gauge({
    name: "antenne_listeners_icecast_up",
    help: "1 when the last stats poll of the Icecast server succeeded",
    labelNames: ["server"],
    registers: [registry],
    collect() {
      for (const st of s.icecast.serverStatus()) this.set({ server: st.name }, st.up ? 1 : 0);
    },
  });
  mirror(
    registry,
    "antenne_listeners_icecast_polls_total",
    "Icecast stats polls by server and result",
    ["server", "result"],
    () =>
      s.icecast
        .serverStatus()
        .flatMap((st) => [
          [{ server: st.name, result: "ok" }, st.ok] as const,
          [{ server: st.name, result: "error" }, st.error] as const,
        ]),
  );
  return registry;
}

/** A counter that follows a monotonic total kept elsewhere. */
function mirror(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  read: () => (readonly [Record<string, string>, number])[],
): void {
  const last = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, total] of read()) {
        const key = JSON.stringify(labels);
        const prev = last.get(key);
        this.inc(labels, prev === undefined ? total : Math.max(0, total - prev));
        last.set(key, Math.max(prev ?? 0, total));
      }
    },
  });
}
