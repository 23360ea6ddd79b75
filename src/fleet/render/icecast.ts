/**
 * icecast2 configuration: the master every instance pushes to, and the relays.
 *
 * Master: each instance pushes its own mount (/fip-hifi-a.aac, /fip-hifi-b.aac); the
 * listener-facing mount (/fip-hifi.aac) has no source of its own and falls back along the
 * instances in fleet order, then to a safety mount (/fip-hifi-safety.aac) fed by a looped file
 * (safety.ts says why not Icecast's file fallback). Icecast resolves a listener of a source-less
 * mount through its fallback chain, moves listeners to the fallback when a source dies, and
 * `fallback-override` moves them back when a preferred instance returns.
 *
 * Relays pull each listener-facing mount with an explicit <relay> (on demand when configured).
 * Not `<master-server>`: it relays the master's stream list, which holds the instances' mounts
 * but not the listener-facing ones (they have no source), so the failover would be lost.
 *
 * icecast2 expands no environment variable: secrets are `${VAR}` here and are filled in when
 * the server starts (fill-secrets.ts, run by the container's init step; see docs/deploy.md).
 */
import type { ChannelModel, FleetModel } from "../model.js";
import { xmlEl } from "./text.js";

type Icecast = NonNullable<FleetModel["icecast"]>;

const HEADER = (what: string) =>
  `<!-- ${what}, rendered by \`antenne render\`: do not edit.\n` +
  "     Secrets are environment references: fill them in at start, e.g.\n" +
  "     node /app/dist/src/fleet/fill-secrets-main.js THIS_FILE /run/icecast/icecast.xml -->";

function limits(clients: number, sources: number): string {
  return xmlEl("limits", [
    xmlEl("clients", clients, "", 2),
    xmlEl("sources", sources, "", 2),
    xmlEl("queue-size", 524288, "", 2),
    xmlEl("client-timeout", 30, "", 2),
    xmlEl("header-timeout", 15, "", 2),
    xmlEl("source-timeout", 10, "", 2),
    xmlEl("burst-on-connect", 1, "", 2),
    xmlEl("burst-size", 65535, "", 2),
  ]);
}

/** Paths, logs (named after the server) and the user icecast2 drops to. */
function files(ice: Icecast, name: string): string[] {
  return [
    xmlEl("paths", [
      xmlEl("basedir", ice.paths.basedir, "", 2),
      xmlEl("logdir", ice.paths.logdir, "", 2),
      xmlEl("webroot", ice.paths.webroot, "", 2),
      xmlEl("adminroot", ice.paths.adminroot, "", 2),
    ]),
    xmlEl("logging", [
      // Named after the server: a master and a relay may share one log folder on one host.
      xmlEl("accesslog", `${name}-access.log`, "", 2),
      xmlEl("errorlog", `${name}-error.log`, "", 2),
      xmlEl("loglevel", 3, "", 2),
      xmlEl("logsize", 10000, "", 2),
    ]),
    // Started as root, icecast2 drops to this user; started as that user, it runs as it is.
    xmlEl("security", [
      xmlEl("chroot", 0, "", 2),
      xmlEl("changeowner", [xmlEl("user", ice.user, "", 3), xmlEl("group", ice.group, "", 3)], "", 2),
    ]),
  ];
}

function common(
  ice: Icecast,
  o: {
    name: string;
    hostname: string;
    port: number;
    clients: number;
    sources: number;
    adminUser: string;
    admin: string;
  },
) {
  return [
    xmlEl("location", "antenne"),
    xmlEl("hostname", o.hostname),
    limits(o.clients, o.sources),
    xmlEl("authentication", [
      xmlEl("source-password", ice.master.sourcePassword ?? "", "", 2),
      xmlEl("admin-user", o.adminUser, "", 2),
      xmlEl("admin-password", o.admin, "", 2),
    ]),
    xmlEl("listen-socket", [xmlEl("port", o.port, "", 2)]),
    xmlEl("fileserve", 1),
    ...files(ice, o.name),
  ];
}

function channelMounts(ch: ChannelModel): string[] {
  return ch.mounts.flatMap((m) => {
    const chain = [...m.instanceMounts, m.safetyMount];
    const listenerFacing = xmlEl(
      "mount",
      [xmlEl("mount-name", m.mount, "", 2), xmlEl("fallback-mount", chain[0]!, "", 2)],
      ' type="normal"',
    );
    const perInstance = m.instanceMounts.map((im, i) =>
      xmlEl(
        "mount",
        [
          xmlEl("mount-name", im, "", 2),
          xmlEl("fallback-mount", chain[i + 1]!, "", 2),
          xmlEl("fallback-override", 1, "", 2),
          xmlEl("hidden", 1, "", 2),
        ],
        ' type="normal"',
      ),
    );
    return [
      `    <!-- ${ch.name} ${m.id}: ${[m.mount, ...chain].join(" → ")} -->`,
      listenerFacing,
      ...perInstance,
    ];
  });
}

export function renderIcecastMaster(fleet: FleetModel): string {
  const ice = fleet.icecast!;
  // Each instance's mounts and each safety mount.
  const sources = fleet.channels.reduce((n, c) => n + c.mounts.length * (c.instances.length + 1), 0);
  const body = [
    ...common(ice, {
      name: "master",
      hostname: ice.master.host,
      port: ice.master.port,
      clients: ice.master.maxListeners,
      sources: sources + 2,
      adminUser: ice.master.adminUser,
      admin: ice.master.adminPassword ?? "",
    }),
    ...fleet.channels.flatMap(channelMounts),
  ];
  return `${HEADER(`Icecast master of fleet ${fleet.name}`)}\n<icecast>\n${body.join("\n")}\n</icecast>\n`;
}

export function renderIcecastRelay(fleet: FleetModel, relay: Icecast["relays"][number]): string {
  const ice = fleet.icecast!;
  const channels = fleet.channels.filter((c) => !relay.channels || relay.channels.includes(c.name));
  const relays = channels.flatMap((c) =>
    c.mounts.map((m) =>
      xmlEl("relay", [
        xmlEl("server", ice.master.host, "", 2),
        xmlEl("port", ice.master.port, "", 2),
        xmlEl("mount", m.mount, "", 2),
        xmlEl("local-mount", m.mount, "", 2),
        xmlEl("on-demand", relay.onDemand ? 1 : 0, "", 2),
        xmlEl("relay-shoutcast-metadata", 1, "", 2),
      ]),
    ),
  );
  const body = [
    // Nobody pushes to a relay; its source password is still set so no default one is accepted.
    ...common(ice, {
      name: `relay-${relay.name}`,
      hostname: relay.host,
      port: relay.port,
      clients: relay.maxListeners,
      sources: relays.length + 2,
      adminUser: relay.adminUser,
      admin: relay.adminPassword ?? "",
    }),
    ...relays,
  ];
  return `${HEADER(`Icecast relay ${relay.name} of fleet ${fleet.name}`)}\n<icecast>\n${body.join("\n")}\n</icecast>\n`;
}
