/**
 * Live listener counting (issue 13, SPEC §9): contract between the fleet (src/fleet/, which
 * builds a ListenersConfig from the fleet file and wires `antenne listeners FLEET.yaml`) and the
 * service, and the service itself: one process for all channels.
 *
 *   nginx access_log syslog:… ──UDP──► syslogPayload ─┐
 *   log shipper POST /ingest ─────────► LineSplitter ─┴► Ingest ─► ListenerTable (bounded)
 *   Icecast master + relays ◄── IcecastPoller (stats, listclients)
 *   GET /metrics, /api/v1/listeners ◄── counts = table (HLS) + poller (Icecast)
 *
 * Definitions and the memory bound: docs/monitoring.md.
 */
import { createSocket, type Socket } from "node:dgram";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { SystemClock, type Clock } from "../clock/clock.js";
import { createHttpServer } from "./http-server.js";
import { IcecastPoller } from "./icecast-poller.js";
import { Ingest } from "./ingest.js";
import { ListenerTable } from "./listener-table.js";
import { createListenersMetrics, listenerCounts, type MetricsSources } from "./listeners-metrics.js";
import { syslogPayload } from "./syslog.js";

export type { ListenerCounts } from "./listeners-metrics.js";

export interface ListenersConfig {
  /** UDP syslog port for nginx `access_log syslog:server=…` (JSON lines inside syslog). */
  syslog: { host: string; port: number } | null;
  /** HTTP port: POST of JSON lines (log shippers) and GET /metrics. */
  http: { host: string; port: number };
  /** Channels counted: the HLS path prefix that identifies each and its segment length. */
  channels: { channel: string; segmentSec: number }[];
  /** Icecast servers (master and relays) whose stats are polled. */
  icecast: {
    name: string;
    url: string;
    adminUser: string;
    adminPassword: string;
    mounts: { mount: string; channel: string }[];
  }[];
  /** How often Icecast stats are polled, ms. */
  icecastPollMs: number;
  /** Most HLS clients tracked over all channels (the memory bound); default DEFAULT_MAX_CLIENTS. */
  maxClients?: number;
}

/** ~100 bytes per tracked client (measured, docs/monitoring.md): 200 000 clients ≈ 20 MiB. */
export const DEFAULT_MAX_CLIENTS = 200_000;

/** The window a client stays a listener after its last media fetch. */
export const windowMs = (segmentSec: number): number => 2 * segmentSec * 1000;

export interface ListenersService {
  /** Where the HTTP side listens (resolved port). */
  readonly httpUrl: string;
  readonly syslogPort: number | null;
  close(): Promise<void>;
}

export interface ListenersDeps {
  /** Log timestamps are compared with its wall time; Icecast polls run on its timers. */
  clock?: Clock;
}

function bindSyslog(cfg: { host: string; port: number }, onDatagram: (b: Buffer) => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(cfg.host.includes(":") ? "udp6" : "udp4");
    sock.once("error", reject);
    sock.on("message", onDatagram);
    sock.bind(cfg.port, cfg.host, () => {
      sock.off("error", reject);
      sock.on("error", () => undefined);
      resolve(sock);
    });
  });
}

export async function startListeners(
  cfg: ListenersConfig,
  log: Logger,
  deps: ListenersDeps = {},
): Promise<ListenersService> {
  const clock = deps.clock ?? new SystemClock();
  const now = () => clock.wallMs();
  const table = new ListenerTable({
    windowsMs: new Map(cfg.channels.map((c) => [c.channel, windowMs(c.segmentSec)])),
    maxClients: cfg.maxClients ?? DEFAULT_MAX_CLIENTS,
  });
  const ingest = new Ingest(table, now, log.child({ component: "ingest" }));
  const icecast = new IcecastPoller(
    cfg.icecast,
    cfg.icecastPollMs,
    log.child({ component: "icecast" }),
    clock,
  );
  const sources: MetricsSources = {
    channels: cfg.channels.map((c) => c.channel),
    table,
    ingest,
    icecast,
    now,
  };
  const registry = createListenersMetrics(sources);
  const http = createHttpServer({ ingest, registry, counts: () => listenerCounts(sources) });

  let syslog: Socket | null = null;
  if (cfg.syslog) {
    syslog = await bindSyslog(cfg.syslog, (b) => {
      for (const d of b.toString("utf8").split("\n")) {
        if (!d.trim()) continue;
        const payload = syslogPayload(d);
        if (payload === null) ingest.bad("syslog", "not syslog framing with a JSON message");
        else ingest.line(payload, "syslog");
      }
    });
  }
  try {
    await new Promise<void>((resolve, reject) => {
      http.once("error", reject);
      http.listen(cfg.http.port, cfg.http.host, () => resolve());
    });
  } catch (err) {
    syslog?.close();
    throw err;
  }
  icecast.start();
  const addr = http.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const httpUrl = `http://${host}:${addr.port}`;
  const syslogPort = syslog ? syslog.address().port : null;
  log.info({ http: httpUrl, syslogPort, channels: cfg.channels.length }, "listeners service up");
  let closing: Promise<void> | null = null;
  return {
    httpUrl,
    syslogPort,
    close: () =>
      (closing ??= (async () => {
        syslog?.close();
        http.closeAllConnections();
        await new Promise<void>((r) => http.close(() => r()));
        await icecast.close();
      })()),
  };
}
