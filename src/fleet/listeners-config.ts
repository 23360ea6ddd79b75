/**
 * The listeners service's configuration from the fleet: which channels exist (and their segment
 * length, by which an HLS listener is counted), the Icecast servers to poll and which mount
 * belongs to which channel. The admin passwords are the only values read from the environment,
 * at start, as the service needs them to poll.
 */
import type { ListenersConfig } from "../listeners/index.js";
import { fillSecrets } from "./fill-secrets.js";
import type { FleetModel } from "./model.js";

export interface ListenersOverrides {
  syslogPort?: number;
  httpPort?: number;
}

/** Listener-facing mounts (and, on the master, the instances' mounts) of the channels, by channel. */
function mountsOf(fleet: FleetModel, channels: string[] | undefined, withInstances: boolean) {
  return fleet.channels
    .filter((c) => !channels || channels.includes(c.name))
    .flatMap((c) =>
      c.mounts.flatMap((m) =>
        [m.mount, ...(withInstances ? m.instanceMounts : [])].map((mount) => ({ mount, channel: c.name })),
      ),
    );
}

function icecastServers(
  fleet: FleetModel,
  env: Record<string, string | undefined>,
): ListenersConfig["icecast"] {
  const ice = fleet.icecast;
  if (!ice) return [];
  // Every unset admin password named at once.
  fillSecrets(
    [ice.master.adminPassword ?? "", ...ice.relays.map((r) => r.adminPassword ?? "")].join(""),
    env,
    {
      xml: false,
    },
  );
  const secret = (ref: string | undefined) => fillSecrets(ref ?? "", env, { xml: false });
  return [
    {
      name: "master",
      url: `http://${ice.master.host}:${ice.master.port}`,
      adminUser: ice.master.adminUser,
      adminPassword: secret(ice.master.adminPassword),
      mounts: mountsOf(fleet, undefined, true),
    },
    ...ice.relays.map((r) => ({
      name: r.name,
      url: `http://${r.host}:${r.port}`,
      adminUser: r.adminUser,
      adminPassword: secret(r.adminPassword),
      mounts: mountsOf(fleet, r.channels, false),
    })),
  ];
}

export function listenersConfig(
  fleet: FleetModel,
  env: Record<string, string | undefined>,
  o: ListenersOverrides = {},
): ListenersConfig {
  const l = fleet.monitoring.listeners;
  return {
    syslog: { host: "0.0.0.0", port: o.syslogPort ?? l.syslogPort },
    http: { host: "0.0.0.0", port: o.httpPort ?? l.httpPort },
    channels: fleet.channels
      .filter((c) => c.config.outputs.hls)
      .map((c) => ({ channel: c.name, segmentSec: c.segmentSec })),
    icecast: icecastServers(fleet, env),
    icecastPollMs: l.icecastPollMs,
  };
}
