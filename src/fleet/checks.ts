/**
 * Fleet-wide rules the schema cannot express: references between blocks (channels, instances,
 * inputs), secrets that must be `${VAR}` references, and listeners that would clash on one
 * host:port. Each finding names the key that has to change.
 */
import type { ConfigIssue } from "../config/load.js";
import { thresholdProblems } from "../monitoring/index.js";
import { isWholeRef, secretProblem } from "./env-refs.js";
import type { LoadedChannel } from "./load.js";
import type { FleetRaw } from "./schema.js";
import type { YamlSource } from "../config/yaml-source.js";

export function fleetChecks(raw: FleetRaw, src: YamlSource, channels: LoadedChannel[]): ConfigIssue[] {
  return [
    ...channelRefs(src, channels),
    ...relayRefs(raw, src, channels),
    ...fleetSecrets(raw, src),
    ...channelSecrets(channels),
    ...channelPortability(raw, src, channels),
    ...portClashes(raw, src, channels),
    ...thresholdProblems(raw.monitoring.alerts).map((p) => {
      const key = p.slice(0, p.indexOf(":"));
      return src.atPath(`monitoring.alerts.${key}`, p.slice(key.length + 2));
    }),
  ];
}

function channelRefs(src: YamlSource, channels: LoadedChannel[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  for (const c of channels) {
    const at = `channels.${c.index}`;
    const name = c.config.channel;
    const first = seen.get(name);
    if (first !== undefined)
      out.push(src.atPath(`${at}.file`, `channel "${name}" is already deployed by channels.${first}`));
    seen.set(name, c.index);
    const instances = Object.keys(c.entry.instances);
    if (instances.length === 0)
      out.push(src.atPath(`${at}.instances`, "a channel needs at least one instance"));
    // Letters first: names become object and file names, and numeric keys reorder in a YAML map.
    for (const name of instances.filter((n) => !/^[a-z][a-z0-9]*$/.test(n)))
      out.push(src.atPath(`${at}.instances.${name}`, `instance name "${name}" must match [a-z][a-z0-9]*`));
    out.push(...senderRefs(src, c, instances));
  }
  return out;
}

/** Each sender path names an SRT listener of its channel, and instances the channel has. */
function senderRefs(src: YamlSource, c: LoadedChannel, instances: string[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const name = c.config.channel;
  const listeners = c.config.inputs.filter((x) => "srt" in x && x.srt.mode === "listener").map((x) => x.id);
  const paths = new Set<string>();
  c.entry.senders.forEach((s, i) => {
    const sp = `channels.${c.index}.senders.${i}`;
    if (paths.has(s.path)) out.push(src.atPath(`${sp}.path`, `duplicate sender path "${s.path}"`));
    paths.add(s.path);
    const input = c.config.inputs.find((x) => x.id === s.input);
    if (!input || !("srt" in input) || input.srt.mode !== "listener") {
      const why = input ? `input "${s.input}" is not an SRT listener` : `unknown input "${s.input}"`;
      out.push(
        src.atPath(`${sp}.input`, `${why} (SRT listeners of ${name}: ${listeners.join(", ") || "none"})`),
      );
    }
    s.instances?.forEach((inst, k) => {
      if (!instances.includes(inst))
        out.push(
          src.atPath(
            `${sp}.instances.${k}`,
            `unknown instance "${inst}" (${name} has ${instances.join(", ")})`,
          ),
        );
    });
  });
  return out;
}

function relayRefs(raw: FleetRaw, src: YamlSource, channels: LoadedChannel[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const names = channels.map((c) => c.config.channel);
  const relayNames = new Set<string>();
  raw.icecast?.relays.forEach((r, i) => {
    if (relayNames.has(r.name))
      out.push(src.atPath(`icecast.relays.${i}.name`, `duplicate relay "${r.name}"`));
    relayNames.add(r.name);
    r.channels?.forEach((ch, k) => {
      if (!names.includes(ch))
        out.push(
          src.atPath(
            `icecast.relays.${i}.channels.${k}`,
            `unknown channel "${ch}" (fleet: ${names.join(", ")})`,
          ),
        );
    });
  });
  return out;
}

/** A secret the fleet needs must be present, and be a reference. */
function fleetSecrets(raw: FleetRaw, src: YamlSource): ConfigIssue[] {
  const needed: [string, string | undefined, string][] = [];
  if (raw.icecast) {
    const m = raw.icecast.master;
    needed.push(["icecast.master.sourcePassword", m.sourcePassword, "the instances' source password"]);
    needed.push(["icecast.master.adminPassword", m.adminPassword, "the master's admin password"]);
    raw.icecast.relays.forEach((r, i) =>
      needed.push([`icecast.relays.${i}.adminPassword`, r.adminPassword, `relay ${r.name}'s admin password`]),
    );
  }
  needed.push([
    "monitoring.grafana.adminPassword",
    raw.monitoring.grafana.adminPassword,
    "Grafana's admin password",
  ]);
  return needed.flatMap(([path, value, what]): ConfigIssue[] => {
    if (value === undefined) return [src.atPath(path, `missing secret: ${what}, as a \${VAR} reference`)];
    const problem = value === "" ? "a secret cannot be empty: use a ${VAR} reference" : secretProblem(value);
    return problem ? [src.atPath(path, problem)] : [];
  });
}

/** Secrets inside channel files end up in sender commands and manifests: references only. */
function channelSecrets(channels: LoadedChannel[]): ConfigIssue[] {
  return channels.flatMap((c) => {
    const fields: string[] = ["api.token"];
    c.config.inputs.forEach((inp, i) => {
      if ("srt" in inp) fields.push(`inputs.${i}.srt.passphrase`);
    });
    return fields.flatMap((path) => {
      const v = c.src.doc.getIn(path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p)));
      const problem = typeof v === "string" ? secretProblem(v) : null;
      return problem ? [c.src.atPath(path, problem)] : [];
    });
  });
}

/** What a channel needs from the fleet to run on instances elsewhere. */
function channelPortability(raw: FleetRaw, src: YamlSource, channels: LoadedChannel[]): ConfigIssue[] {
  return channels.flatMap((c) => {
    const out: ConfigIssue[] = [];
    if (c.config.outputs.icecast.length > 0 && !raw.icecast)
      out.push(
        src.atPath(
          `channels.${c.index}.file`,
          `${c.config.channel} pushes to Icecast but the fleet has no icecast block`,
        ),
      );
    c.config.inputs.forEach((inp, i) => {
      const p = c.src.doc.getIn(["inputs", i, "file", "path"]);
      if ("file" in inp && typeof p === "string" && !p.startsWith("/") && !isWholeRef(p))
        out.push(
          c.src.atPath(
            `inputs.${i}.file.path`,
            "an instance runs elsewhere: use an absolute path present on every instance",
          ),
        );
    });
    return out;
  });
}

interface Endpoint {
  /** "port clash" or "data folder clash". */
  what: string;
  key: string;
  who: string;
  path: string;
}

/** Fleet services, listed before the instances so a clash is reported at the instance. */
function serviceEndpoints(raw: FleetRaw): Endpoint[] {
  const port = (proto: string, host: string, p: number, who: string, path: string): Endpoint => ({
    what: "port clash",
    key: `${host}:${p}/${proto}`,
    who,
    path,
  });
  const m = raw.monitoring;
  return [
    ...(raw.icecast
      ? [
          port(
            "tcp",
            raw.icecast.master.host,
            raw.icecast.master.port,
            "the Icecast master",
            "icecast.master.port",
          ),
          ...raw.icecast.relays.map((r, i) =>
            port("tcp", r.host, r.port, `relay ${r.name}`, `icecast.relays.${i}.port`),
          ),
        ]
      : []),
    port("tcp", raw.cache.host, raw.cache.port, "the HLS cache", "cache.port"),
    port("tcp", m.prometheus.host, m.prometheus.port, "Prometheus", "monitoring.prometheus.port"),
    port("tcp", m.alertmanager.host, m.alertmanager.port, "Alertmanager", "monitoring.alertmanager.port"),
    port("tcp", m.grafana.host, m.grafana.port, "Grafana", "monitoring.grafana.port"),
    port(
      "tcp",
      m.listeners.host,
      m.listeners.httpPort,
      "the listeners service",
      "monitoring.listeners.httpPort",
    ),
    port(
      "udp",
      m.listeners.host,
      m.listeners.syslogPort,
      "the listeners' syslog",
      "monitoring.listeners.syslogPort",
    ),
  ];
}

function instanceEndpoints(channels: LoadedChannel[]): Endpoint[] {
  const eps: Endpoint[] = [];
  for (const c of channels) {
    for (const [name, inst] of Object.entries(c.entry.instances)) {
      const id = `${c.config.channel}-${name}`;
      const host = inst.host ?? id;
      const path = `channels.${c.index}.instances.${name}`;
      eps.push({ what: "port clash", key: `${host}:${inst.apiPort}/tcp`, who: `${id} API`, path });
      eps.push({
        what: "data folder clash",
        key: `${host}:${inst.dataDir}`,
        who: id,
        path: `${path}.dataDir`,
      });
      for (const inp of c.config.inputs) {
        if (!("srt" in inp) || inp.srt.mode !== "listener") continue;
        const port = inp.srt.bind.slice(inp.srt.bind.lastIndexOf(":") + 1);
        eps.push({
          what: "port clash",
          key: `${inst.srtHost ?? host}:${port}/udp`,
          who: `${id} input ${inp.id}`,
          path,
        });
      }
    }
  }
  return eps;
}

/** Two listeners on one host:port (per protocol), or two instances in one folder of one host. */
function portClashes(raw: FleetRaw, src: YamlSource, channels: LoadedChannel[]): ConfigIssue[] {
  const first = new Map<string, Endpoint>();
  const out: ConfigIssue[] = [];
  for (const e of [...serviceEndpoints(raw), ...instanceEndpoints(channels)]) {
    const prev = first.get(e.key);
    if (prev)
      out.push(
        src.atPath(e.path, `${e.what}: ${e.key} of ${e.who} is already used by ${prev.who} (${prev.path})`),
      );
    else first.set(e.key, e);
  }
  return out;
}
