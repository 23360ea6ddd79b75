/**
 * Live listener counting (issue 13): contract between the fleet (src/fleet/, which builds a
 * ListenersConfig from the fleet file and wires `antenne listeners FLEET.yaml`) and the service.
 *
 * STUB: replaced by the listeners work. Signatures are the contract.
 */
import type { Logger } from "pino";

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
}

export interface ListenersService {
  /** Where the HTTP side listens (resolved port). */
  readonly httpUrl: string;
  readonly syslogPort: number | null;
  close(): Promise<void>;
}

export async function startListeners(_cfg: ListenersConfig, _log: Logger): Promise<ListenersService> {
  throw new Error("antenne listeners: not implemented yet");
}
