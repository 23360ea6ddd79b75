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

export function listenersConfig(
  fleet: FleetModel,
  env: Record<string, string | undefined>,
  o: ListenersOverrides = {},
): ListenersConfig {
  const l = fleet.monitoring.listeners;
  const secret = (ref: string | undefined) => fillSecrets(ref ?? "", env, { xml: false });
  const ice = fleet.icecast;
  // Every unset admin password named at once.
  fillSecrets(
    [ice?.master.adminPassword ?? "", ...(ice?.relays.map((r) => r.adminPassword ?? "") ?? [])].join(""),
    env,
    { xml: false },
  );
  const mounts = (channels: string[] | undefined, withInstances: boolean) =>
    fleet.channels
      .filter((c) => !channels || channels.includes(c.name))
      .flatMap((c) =>
        c.mounts.flatMap((m) =>
          [m.mount, ...(withInstances ? m.instanceMounts : [])].map((mount) => ({ mount, channel: c.name })),
        ),
      );
  const icecast = ice
    ? [
        {
          name: "master",
          url: `http://${ice.master.host}:${ice.master.port}`,
          adminUser: ice.master.adminUser,
          adminPassword: secret(ice.master.adminPassword),
          mounts: mounts(undefined, true),
        },
        ...ice.relays.map((r) => ({
          name: r.name,
          url: `http://${r.host}:${r.port}`,
          adminUser: r.adminUser,
          adminPassword: secret(r.adminPassword),
          mounts: mounts(r.channels, false),
        })),
      ]
    : [];
  return {
    syslog: { host: "0.0.0.0", port: o.syslogPort ?? l.syslogPort },
    http: { host: "0.0.0.0", port: o.httpPort ?? l.httpPort },
    channels: fleet.channels
      .filter((c) => c.config.outputs.hls)
      .map((c) => ({ channel: c.name, segmentSec: c.segmentSec })),
    icecast,
    icecastPollMs: l.icecastPollMs,
  };
}
