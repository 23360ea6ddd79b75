/**
 * The resolved fleet: what every renderer reads. Built once by load.ts from the fleet file and
 * its channel files; every default filled, every reference checked. Renderers are pure
 * functions of this model, so it holds no absolute path of the machine that rendered it.
 */
import type { ChannelConfig } from "../config/load.js";
import type { AlertThresholds } from "../monitoring/index.js";
import type { FleetRaw } from "./schema.js";

export interface InstanceModel {
  /** Instance name within its channel: a, b… */
  name: string;
  /** `<channel>-<name>`: Kubernetes/compose object name, Prometheus `instance`. */
  id: string;
  host: string;
  srtHost: string;
  srtBind: string;
  apiPort: number;
  /** Where the instance keeps state and HLS (its volume in a container). */
  dataDir: string;
  /** The transcoder image this instance runs. */
  image: string;
}

export interface SrtListenerModel {
  input: string;
  port: number;
  latencyMs: number;
  /** As written in the channel file: "" or a `${VAR}` reference. */
  passphrase: string;
  pbKeyLen: number;
  streamId: string | null;
}

export interface MountModel {
  /** The output id of the channel file (metric label), the same on every instance. */
  id: string;
  /** Listener-facing mount, as in the channel file: "/fip-hifi.aac". */
  mount: string;
  codec: "aac" | "mp3";
  /** bit/s, sample rate and channels of the profile: the safety file is made to match. */
  bitrate: number;
  sampleRate: number;
  channels: number;
  /** The mount each instance pushes, in instance order: "/fip-hifi-a.aac". */
  instanceMounts: string[];
  /** The last fallback when every instance is gone: a mount fed by a looped safety file. */
  safetyMount: string;
  /** That file's name in the safety folder (icecast/safety/make-safety.sh makes it). */
  safetyFile: string;
}

export interface SenderModel {
  /** `<channel>-<path>`: script, unit and container names. */
  id: string;
  channel: string;
  path: string;
  input: string;
  listener: SrtListenerModel;
  instances: InstanceModel[];
  source: string;
  codec: "aac" | "mp2";
  bitrate: string;
  udpPort: number;
}

export interface ChannelModel {
  name: string;
  /** The channel file as the fleet names it (relative to the fleet file), for comments. */
  file: string;
  /** Its text: per-instance files are edited from it, so `${VAR}` references stay references. */
  text: string;
  /** Parsed with placeholders for unset variables (see env-refs.ts placeholderEnv). */
  config: ChannelConfig;
  segmentSec: number;
  instances: InstanceModel[];
  srtListeners: SrtListenerModel[];
  mounts: MountModel[];
  senders: SenderModel[];
}

export interface FleetModel {
  name: string;
  images: FleetRaw["images"];
  channels: ChannelModel[];
  icecast: FleetRaw["icecast"];
  cache: FleetRaw["cache"];
  monitoring: Omit<FleetRaw["monitoring"], "alerts"> & { alerts: AlertThresholds };
  kubernetes: FleetRaw["kubernetes"];
}

/** Scrape job names: the monitoring rules select on them. */
export const TRANSCODER_JOB = "antenne";
export const LISTENERS_JOB = "antenne-listeners";
