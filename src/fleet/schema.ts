/**
 * The fleet file (SPEC §9): which channel files run where, the studio senders, the Icecast master
 * and relays, the HLS cache, monitoring, and the knobs of the Kubernetes and compose targets.
 * Defaults are what a first deployment should use; docs/deploy.md explains each block.
 */
import { z } from "zod";
import { DEFAULT_THRESHOLDS, type AlertThresholds } from "../monitoring/index.js";

const name = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must match [a-z0-9][a-z0-9-]*");
const host = z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a host name or an IPv4 address");
const port = z.number().int().min(1).max(65535);
/** A secret is never a value in the fleet file: only a `${VAR}` reference (checked in checks.ts). */
const secret = z.string().optional();
const absPath = z.string().regex(/^\//, "must be an absolute path");
const bitrate = z.string().regex(/^\d+k$/, 'must be a bitrate like "192k"');

const instance = z.strictObject({
  /** Address the cache, Prometheus and the listeners service reach the instance at. */
  host: host.optional(),
  /** Address the studios' senders call (default: `host`), e.g. a LoadBalancer's DNS name. */
  srtHost: host.optional(),
  /** Address the instance binds its SRT listeners on: all of the pod's or host's by default. */
  srtBind: z
    .string()
    .regex(/^(\[[0-9A-Fa-f:.]+\]|[0-9.]+)$/, "must be an IP address")
    .default("0.0.0.0"),
  apiPort: port.default(8080),
  /** State and HLS of the instance: its volume in a container, its own folder on a shared host. */
  dataDir: absPath.default("/var/lib/antenne"),
  /** This instance's image (default: images.antenne): upgrade one instance at a time. */
  image: z.string().min(1).optional(),
});

const sender = z.strictObject({
  /** Studio path name: main, backup… (file and unit names). */
  path: name,
  /** The channel input (an SRT listener) this path feeds on every instance. */
  input: z.string().min(1),
  /** Instances this path calls (default: all of the channel's). */
  instances: z.array(z.string()).min(1).optional(),
  /** ffmpeg input arguments of the studio signal. */
  source: z.string().min(1).default("-re -f lavfi -i sine=frequency=440:sample_rate=48000 -ac 2"),
  codec: z.enum(["aac", "mp2"]).default("aac"),
  bitrate: bitrate.default("192k"),
  /** First local UDP port between ffmpeg and the srt-live-transmit relays (one per instance). */
  udpPort: port.optional(),
});

const channel = z.strictObject({
  /** The channel file, relative to the fleet file. */
  file: z.string().min(1),
  /** Instance name → where it runs; list order is the cache's and Icecast's failover order. */
  instances: z.record(z.string(), instance),
  senders: z.array(sender).default([]),
});

const icecastServer = {
  host,
  port: port.default(8000),
  adminUser: z.string().min(1).default("admin"),
  adminPassword: secret,
  /** Listener limit (`<clients>`). */
  maxListeners: z.number().int().min(1).default(1000),
};

const icecast = z.strictObject({
  master: z.strictObject({ ...icecastServer, sourcePassword: secret }),
  relays: z
    .array(
      z.strictObject({
        ...icecastServer,
        name,
        /** Pull a mount only while someone listens (`<on-demand>`). */
        onDemand: z.boolean().default(true),
        /** Channels relayed (default: all). */
        channels: z.array(z.string()).optional(),
      }),
    )
    .default([]),
  /** icecast2 refuses to run as root: it drops to this user (Debian's package user). */
  user: z.string().min(1).default("icecast2"),
  group: z.string().min(1).default("icecast"),
  paths: z
    .strictObject({
      basedir: absPath.default("/usr/share/icecast2"),
      webroot: absPath.default("/usr/share/icecast2/web"),
      adminroot: absPath.default("/usr/share/icecast2/admin"),
      logdir: absPath.default("/var/log/icecast2"),
    })
    .prefault({}),
});

const cache = z.strictObject({
  host: host.default("hls-cache"),
  port: port.default(8080),
  /** nginx proxy_cache_path. */
  dir: absPath.default("/var/cache/antenne-hls"),
  maxSize: z
    .string()
    .regex(/^\d+[kmg]$/, 'must be a size like "1g"')
    .default("1g"),
  /** How long a segment stays cached (and served stale while both instances fail). */
  segmentMaxAgeSec: z.number().int().min(10).default(600),
  /** Varnish health probe of /readyz, seconds between probes. */
  probeIntervalSec: z.number().min(0.5).max(60).default(2),
});

/** Every threshold the monitoring content knows, with its default: new ones need no change here. */
const alertsSchema = z
  .strictObject(
    Object.fromEntries(Object.entries(DEFAULT_THRESHOLDS).map(([k, v]) => [k, z.number().default(v)])) as {
      [K in keyof AlertThresholds]: z.ZodDefault<z.ZodNumber>;
    },
  )
  .prefault({});

const monitoring = z.strictObject({
  prometheus: z
    .strictObject({
      host: host.default("prometheus"),
      port: port.default(9090),
      scrapeIntervalSec: z.number().int().min(1).max(300).default(15),
    })
    .prefault({}),
  alertmanager: z
    .strictObject({
      host: host.default("alertmanager"),
      port: port.default(9093),
      /** Where alerts go (Alertmanager webhook receiver); null: nowhere (silence-only setup). */
      webhookUrl: z.string().url().nullable().default(null),
    })
    .prefault({}),
  grafana: z
    .strictObject({ host: host.default("grafana"), port: port.default(3000), adminPassword: secret })
    .prefault({}),
  listeners: z
    .strictObject({
      host: host.default("antenne-listeners"),
      syslogPort: port.default(5514),
      httpPort: port.default(9110),
      icecastPollMs: z.number().int().min(1000).default(10000),
    })
    .prefault({}),
  /** Any of DEFAULT_THRESHOLDS (src/monitoring), each a number; checked by thresholdProblems. */
  alerts: alertsSchema,
  /** Where docs/runbook.md is published: each alert links to its section there. */
  runbookUrl: z.string().url().optional(),
});

const kubernetes = z.strictObject({
  namespace: name.default("antenne"),
  /** The Secret holding every `${VAR}` the fleet references (created by ops, never rendered). */
  secretName: name.default("antenne"),
  /** How studios reach the SRT listeners from outside the cluster. */
  srtServiceType: z.enum(["LoadBalancer", "NodePort", "ClusterIP"]).default("LoadBalancer"),
  /** Per instance; default from docs/benchmarks.md (see docs/deploy.md). */
  resources: z
    .strictObject({
      cpu: z.string().default("150m"),
      memory: z.string().default("192Mi"),
      memoryLimit: z.string().default("384Mi"),
    })
    .prefault({}),
});

const images = z.strictObject({
  antenne: z.string().default("antenne:0.1.0"),
  icecast: z.string().default("docker.io/libretime/icecast:2.4.4"),
  nginx: z.string().default("docker.io/library/nginx:1.27"),
  varnish: z.string().default("docker.io/library/varnish:7.6"),
  prometheus: z.string().default("docker.io/prom/prometheus:v2.53.0"),
  alertmanager: z.string().default("docker.io/prom/alertmanager:v0.27.0"),
  grafana: z.string().default("docker.io/grafana/grafana:11.1.0"),
});

export const fleetSchema = z.strictObject({
  fleet: name,
  images: images.prefault({}),
  channels: z.array(channel).min(1),
  icecast: icecast.nullable().default(null),
  cache: cache.prefault({}),
  monitoring: monitoring.prefault({}),
  kubernetes: kubernetes.prefault({}),
});

export type FleetRaw = z.infer<typeof fleetSchema>;
export type ChannelEntryRaw = z.infer<typeof channel>;
export type SenderRaw = z.infer<typeof sender>;
export type IcecastRaw = z.infer<typeof icecast>;
