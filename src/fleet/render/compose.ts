/**
 * compose.yaml: the whole fleet on one host, for trying it. Services are named after what they
 * are (`fip-a`, `icecast-master`, `hls-cache`…) and carry the fleet's host names as network
 * aliases, so the very configs rendered for production (nginx, Varnish, Prometheus, Icecast)
 * resolve here unchanged. `${VAR}` references are compose interpolations: secrets come from the
 * shell or an `.env` file beside compose.yaml, never from the file.
 *
 * Studio senders are ffmpeg containers calling each instance directly (one per path and
 * instance; the production senders/ scripts add the UDP fan-out for a shared sound card).
 * icecast2 reads no environment: a one-shot service fills the secrets into its config first.
 */
import { basename } from "node:path";
import { stringify } from "yaml";
import { referencedVars } from "../env-refs.js";
import { renderInstanceChannel } from "../instance-channel.js";
import { type FleetModel } from "../model.js";
import { renderDashboards } from "../../monitoring/index.js";
import { GRAFANA_DASHBOARDS_DIR, monitoringOptions } from "./monitoring.js";
import { directSenderArgs } from "./senders.js";
import { varnishMaxRetries } from "./varnish.js";

type Service = Record<string, unknown>;

const FILL = "/app/dist/src/fleet/fill-secrets-main.js";

/** Compose interpolates `$`: a literal one in a command is `$$`. */
const literal = (s: string) => s.replace(/\$/g, "$$$$");

const aliases = (names: string[], self: string) => {
  const extra = [...new Set(names)].filter((n) => n !== self);
  return extra.length > 0 ? { networks: { default: { aliases: extra } } } : {};
};

/** A compose interpolation of a variable: empty when optional, an error at `up` when required. */
const ref = (name: string, optional: boolean) =>
  optional ? `\${${name}:-}` : `\${${name}:?${name} is not set}`;

function envOf(texts: string[]): Record<string, string> {
  return Object.fromEntries(referencedVars(texts).map((v) => [v.name, ref(v.name, v.optional)]));
}

function transcoders(fleet: FleetModel): Record<string, Service> {
  const out: Record<string, Service> = {};
  for (const ch of fleet.channels) {
    for (const inst of ch.instances) {
      const file = renderInstanceChannel(fleet, ch, inst);
      out[inst.id] = {
        image: inst.image,
        command: ["run", "/etc/antenne/channel.yaml"],
        restart: "unless-stopped",
        environment: envOf([file]),
        // The image's HEALTHCHECK reads /etc/antenne/channel.yaml for the API address.
        volumes: [
          `./instances/${inst.id}.yaml:/etc/antenne/channel.yaml:ro`,
          `${inst.id}-data:${inst.dataDir}`,
        ],
        ...aliases([inst.host, inst.srtHost], inst.id),
      };
    }
  }
  return out;
}

function icecastServices(fleet: FleetModel): Record<string, Service> {
  const ice = fleet.icecast;
  if (!ice) return {};
  const servers = [
    {
      name: "master",
      host: ice.master.host,
      port: ice.master.port,
      vars: [ice.master.sourcePassword, ice.master.adminPassword],
    },
    ...ice.relays.map((r) => ({
      name: r.name,
      host: r.host,
      port: r.port,
      vars: [ice.master.sourcePassword, r.adminPassword],
    })),
  ];
  const out: Record<string, Service> = {};
  for (const s of servers) {
    const file = s.name === "master" ? "master.xml" : `relay-${s.name}.xml`;
    out[`icecast-${s.name}-config`] = {
      image: fleet.images.antenne,
      entrypoint: ["node", FILL],
      // The volume is mounted on the image's own home (owned by its non-root user, so a new
      // volume is too); icecast2 reads it at /run/icecast.
      command: [`/etc/icecast-rendered/${file}`, "/var/lib/antenne/icecast.xml"],
      environment: envOf(s.vars.map((v) => v ?? "")),
      volumes: [`./icecast:/etc/icecast-rendered:ro`, `icecast-${s.name}-config:/var/lib/antenne`],
    };
    out[`icecast-${s.name}`] = {
      image: fleet.images.icecast,
      command: ["icecast", "-c", "/run/icecast/icecast.xml"],
      restart: "unless-stopped",
      depends_on: { [`icecast-${s.name}-config`]: { condition: "service_completed_successfully" } },
      ports: [`${s.port}:${s.port}`],
      volumes: [`icecast-${s.name}-config:/run/icecast:ro`],
      ...aliases([s.host], `icecast-${s.name}`),
    };
  }
  // The last fallback of every listener mount: looped safety files into the master (safety.ts).
  out["icecast-safety"] = {
    image: fleet.images.antenne,
    entrypoint: ["bash", "/safety/safety-sources.sh", "/safety"],
    restart: "unless-stopped",
    environment: envOf([ice.master.sourcePassword ?? ""]),
    volumes: ["./icecast/safety:/safety:ro"],
    depends_on: ["icecast-master"],
  };
  return out;
}

function caches(fleet: FleetModel): Record<string, Service> {
  const c = fleet.cache;
  return {
    "hls-cache": {
      image: fleet.images.nginx,
      restart: "unless-stopped",
      ports: [`${c.port}:${c.port}`],
      volumes: ["./nginx/hls-cache.conf:/etc/nginx/nginx.conf:ro"],
      depends_on: ["antenne-listeners"],
      ...aliases([c.host], "hls-cache"),
    },
    // The same cache policy in Varnish: `docker compose --profile varnish up`.
    "hls-cache-varnish": {
      image: fleet.images.varnish,
      profiles: ["varnish"],
      restart: "unless-stopped",
      command: [
        "varnishd",
        "-F",
        "-a",
        `:${c.port}`,
        "-p",
        `max_retries=${varnishMaxRetries(fleet)}`,
        "-f",
        "/etc/varnish/hls.vcl",
        "-s",
        "malloc,256m",
      ],
      ports: [`${c.port + 1}:${c.port}`],
      volumes: ["./varnish/hls.vcl:/etc/varnish/hls.vcl:ro"],
    },
  };
}

/** The listeners service reads the fleet file and its channel files itself: they are mounted. */
function listenersService(fleet: FleetModel, fleetFile: string): Record<string, Service> {
  return {
    "antenne-listeners": {
      image: fleet.images.antenne,
      command: ["listeners", `/etc/antenne/fleet/${basename(fleetFile)}`],
      restart: "unless-stopped",
      environment: envOf([
        fleet.icecast?.master.adminPassword ?? "",
        ...(fleet.icecast?.relays.map((r) => r.adminPassword ?? "") ?? []),
      ]),
      volumes: [
        "${ANTENNE_FLEET_DIR:?set ANTENNE_FLEET_DIR to the folder of the fleet file}:/etc/antenne/fleet:ro",
      ],
      ...aliases([fleet.monitoring.listeners.host], "antenne-listeners"),
    },
  };
}

function monitoringServices(fleet: FleetModel, hasDashboards: boolean): Record<string, Service> {
  const m = fleet.monitoring;
  return {
    prometheus: {
      image: fleet.images.prometheus,
      restart: "unless-stopped",
      command: ["--config.file=/etc/prometheus/prometheus.yml", `--web.listen-address=:${m.prometheus.port}`],
      ports: [`${m.prometheus.port}:${m.prometheus.port}`],
      volumes: ["./prometheus:/etc/prometheus:ro"],
      ...aliases([m.prometheus.host], "prometheus"),
    },
    alertmanager: {
      image: fleet.images.alertmanager,
      restart: "unless-stopped",
      command: [
        "--config.file=/etc/alertmanager/alertmanager.yml",
        `--web.listen-address=:${m.alertmanager.port}`,
      ],
      volumes: ["./alertmanager:/etc/alertmanager:ro"],
      ...aliases([m.alertmanager.host], "alertmanager"),
    },
    grafana: {
      image: fleet.images.grafana,
      restart: "unless-stopped",
      environment: {
        GF_SECURITY_ADMIN_PASSWORD:
          referencedVars([m.grafana.adminPassword ?? ""]).map((v) => ref(v.name, v.optional))[0] ?? "",
        GF_SERVER_HTTP_PORT: String(m.grafana.port),
      },
      ports: [`${m.grafana.port}:${m.grafana.port}`],
      volumes: [
        "./grafana/provisioning:/etc/grafana/provisioning:ro",
        ...(hasDashboards ? [`./grafana/dashboards:${GRAFANA_DASHBOARDS_DIR}:ro`] : []),
      ],
      ...aliases([m.grafana.host], "grafana"),
    },
  };
}

function senders(fleet: FleetModel): Record<string, Service> {
  const out: Record<string, Service> = {};
  for (const s of fleet.channels.flatMap((c) => c.senders)) {
    for (const inst of s.instances) {
      out[`sender-${s.id}-${inst.name}`] = {
        image: fleet.images.antenne,
        entrypoint: ["sh", "-c"],
        command: [literal(directSenderArgs(s, inst))],
        restart: "unless-stopped",
        environment: { PASSPHRASE: s.listener.passphrase },
        depends_on: [inst.id],
      };
    }
  }
  return out;
}

/** compose.yaml (it mounts the per-instance channel files of instances/). */
export function renderCompose(fleet: FleetModel, fleetFile: string): string {
  const services = {
    ...transcoders(fleet),
    ...icecastServices(fleet),
    ...caches(fleet),
    ...listenersService(fleet, fleetFile),
    ...monitoringServices(fleet, Object.keys(renderDashboards(monitoringOptions(fleet))).length > 0),
    ...senders(fleet),
  };
  const volumes = Object.fromEntries(
    [
      ...fleet.channels.flatMap((c) => c.instances.map((i) => `${i.id}-data`)),
      ...(fleet.icecast
        ? ["master", ...fleet.icecast.relays.map((r) => r.name)].map((n) => `icecast-${n}-config`)
        : []),
    ].map((v) => [v, {}]),
  );
  const header =
    `# Fleet ${fleet.name} on one host, rendered by \`antenne render\`: do not edit.\n` +
    "# Secrets come from the environment or a .env file beside this one (see secrets.env.example).\n" +
    `# docker compose -p ${fleet.name} up\n`;
  return header + stringify({ services, volumes }, { lineWidth: 0 });
}
