/**
 * Loads a fleet file and its channel files into the FleetModel. Every problem, in the fleet file
 * or in a channel file it names, is a ConfigError issue `FILE:LINE:COL: key.path: message`; all
 * of them are reported at once.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConfigError, parseChannel, type ChannelConfig, type ConfigIssue } from "../config/load.js";
import { parseYamlSource, schemaIssues, type YamlSource } from "../config/yaml-source.js";
import { fleetChecks } from "./checks.js";
import { placeholderEnv } from "./env-refs.js";
import type {
  ChannelModel,
  FleetModel,
  InstanceModel,
  MountModel,
  SenderModel,
  SrtListenerModel,
} from "./model.js";
import { fleetSchema, type ChannelEntryRaw, type FleetRaw, type SenderRaw } from "./schema.js";

export type ReadText = (file: string) => string;

const readUtf8: ReadText = (f) => readFileSync(f, "utf8");

/** A channel file as loaded for the fleet: its text, positions and parsed config. */
export interface LoadedChannel {
  entry: ChannelEntryRaw;
  index: number;
  src: YamlSource;
  text: string;
  config: ChannelConfig;
}

export function loadFleetFile(file: string, read: ReadText = readUtf8): FleetModel {
  let text: string;
  try {
    text = read(file);
  } catch (err) {
    throw new ConfigError([
      { file, line: 1, col: 1, path: "", message: `cannot read file: ${(err as Error).message}` },
    ]);
  }
  return parseFleet(text, file, read);
}

export function parseFleet(text: string, file: string, read: ReadText = readUtf8): FleetModel {
  const src = parseYamlSource(text, file);
  const result = fleetSchema.safeParse(src.doc.toJS());
  if (!result.success) throw new ConfigError(schemaIssues(src, result.error));
  const raw = result.data;
  const issues: ConfigIssue[] = [];
  const channels = raw.channels.flatMap((entry, index) => {
    const loaded = loadChannel(entry, index, dirname(file), read, src);
    if ("issues" in loaded) issues.push(...loaded.issues);
    return "issues" in loaded ? [] : [loaded];
  });
  if (issues.length > 0) throw new ConfigError(issues);
  issues.push(...fleetChecks(raw, src, channels));
  if (issues.length > 0) throw new ConfigError(issues);
  return buildModel(raw, channels);
}

function loadChannel(
  entry: ChannelEntryRaw,
  index: number,
  dir: string,
  read: ReadText,
  fleet: YamlSource,
): LoadedChannel | { issues: ConfigIssue[] } {
  const path = join(dir, entry.file);
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    return {
      issues: [fleet.atPath(`channels.${index}.file`, `cannot read ${path}: ${(err as Error).message}`)],
    };
  }
  try {
    // File inputs live on the instances, not on the machine that renders: not probed here
    // (checks.ts asks for absolute paths; each instance's `antenne run` checks the file).
    const config = parseChannel(text, path, placeholderEnv(text), () => null);
    return { entry, index, src: parseYamlSource(text, path), text, config };
  } catch (err) {
    if (err instanceof ConfigError) return { issues: err.issues };
    throw err;
  }
}

function instancesOf(raw: FleetRaw, name: string, entry: ChannelEntryRaw): InstanceModel[] {
  return Object.entries(entry.instances).map(([inst, v]) => ({
    name: inst,
    id: `${name}-${inst}`,
    host: v.host ?? `${name}-${inst}`,
    srtHost: v.srtHost ?? v.host ?? `${name}-${inst}`,
    srtBind: v.srtBind,
    apiPort: v.apiPort,
    dataDir: v.dataDir,
    image: v.image ?? raw.images.antenne,
  }));
}

/** `firstIndex`: the sender's rank in the fleet, for its default local UDP ports. */
function senderOf(
  s: SenderRaw,
  name: string,
  ch: Pick<ChannelModel, "instances" | "srtListeners">,
  firstIndex: number,
): SenderModel {
  return {
    id: `${name}-${s.path}`,
    channel: name,
    path: s.path,
    input: s.input,
    listener: ch.srtListeners.find((x) => x.input === s.input)!,
    instances: s.instances ? ch.instances.filter((i) => s.instances!.includes(i.name)) : ch.instances,
    source: s.source,
    codec: s.codec,
    bitrate: s.bitrate,
    udpPort: s.udpPort ?? 20000 + 10 * firstIndex,
  };
}

function buildModel(raw: FleetRaw, loaded: LoadedChannel[]): FleetModel {
  let senderRank = 0;
  const channels = loaded.map((l): ChannelModel => {
    const name = l.config.channel;
    const instances = instancesOf(raw, name, l.entry);
    const srtListeners = listenersOf(l);
    return {
      name,
      file: l.entry.file,
      text: l.text,
      config: l.config,
      segmentSec: l.config.outputs.hls?.segmentSec ?? 4,
      instances,
      srtListeners,
      mounts: mountsOf(l.config, instances),
      senders: l.entry.senders.map((s) => senderOf(s, name, { instances, srtListeners }, senderRank++)),
    };
  });
  const { alerts, ...monitoring } = raw.monitoring;
  return {
    name: raw.fleet,
    images: raw.images,
    channels,
    icecast: raw.icecast,
    cache: raw.cache,
    monitoring: { ...monitoring, alerts: { ...alerts } },
    kubernetes: raw.kubernetes,
  };
}

/** SRT listener inputs with their raw passphrase (the reference, not its value). */
function listenersOf(l: LoadedChannel): SrtListenerModel[] {
  return l.config.inputs.flatMap((inp, i) => {
    if (!("srt" in inp) || inp.srt.mode !== "listener") return [];
    const rawPass = l.src.doc.getIn(["inputs", i, "srt", "passphrase"]);
    return [
      {
        input: inp.id,
        port: Number(inp.srt.bind.slice(inp.srt.bind.lastIndexOf(":") + 1)),
        latencyMs: inp.srt.latencyMs,
        passphrase: typeof rawPass === "string" ? rawPass : "",
        pbKeyLen: inp.srt.pbKeyLen,
        streamId: inp.srt.streamId,
      },
    ];
  });
}

/** `/fip-hifi.aac` pushed by instance a → `/fip-hifi-a.aac`. */
export function instanceMount(mount: string, instance: string): string {
  const m = /^(.*?)(\.[A-Za-z0-9]+)?$/.exec(mount)!;
  return `${m[1]}-${instance}${m[2] ?? ""}`;
}

function mountsOf(cfg: ChannelConfig, instances: InstanceModel[]): MountModel[] {
  return cfg.outputs.icecast.map((ice) => ({
    id: ice.id,
    mount: ice.mount,
    codec: cfg.profiles[ice.profile]?.codec ?? "aac",
    bitrate: cfg.profiles[ice.profile]?.bitrate ?? 128000,
    sampleRate: cfg.audio.sampleRate,
    channels: cfg.audio.channels,
    instanceMounts: instances.map((i) => instanceMount(ice.mount, i.name)),
    safetyMount: instanceMount(ice.mount, "safety"),
    safetyFile: ice.mount.slice(1),
  }));
}
