/**
 * Kubernetes manifests (Kustomize): per channel a PodDisruptionBudget, per instance a Deployment
 * of one replica, its channel file as a generated ConfigMap, a ClusterIP Service for the API and
 * one for the SRT listeners (UDP). Layout: k8s/kustomization.yaml builds everything;
 * k8s/<channel>/<instance>/kustomization.yaml builds one instance alone (upgrade one at a time)
 * into the very same objects.
 *
 * Choices: `Recreate` (a second pod of one instance would fight the first for its Icecast mount;
 * the peer instance covers the gap), required anti-affinity between a channel's instances (one
 * node lost never takes a channel off air), PDB maxUnavailable 1 per channel (a drain never takes
 * both instances), no CPU limit (CFS throttling of a real-time audio process is a glitch; the
 * request reserves the measured use), secrets as secretKeyRefs to one Secret ops create.
 * Kustomizations use only what kustomize 2.0 (Debian's kubectl 1.20) knows too: files in
 * `resources`, `namespace`, `configMapGenerator`; labels are on the objects themselves.
 */
import { stringify } from "yaml";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IService } from "kubernetes-models/v1/Service";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import { referencedVars } from "../env-refs.js";
import { renderInstanceChannel } from "../instance-channel.js";
import { type ChannelModel, type FleetModel, type InstanceModel } from "../model.js";

const HEADER = "# Rendered by `antenne render`: do not edit.\n";
const yaml = (o: unknown) => HEADER + stringify(o, { lineWidth: 0 });

/** Selector labels: a channel's pods, or one instance's. */
const labelsOf = (ch: ChannelModel, inst?: InstanceModel): Record<string, string> => ({
  "app.kubernetes.io/name": "antenne",
  "antenne.io/channel": ch.name,
  ...(inst ? { "antenne.io/instance": inst.name } : {}),
});

/** Object labels: the selector labels and the fleet's. */
const metaLabels = (fleet: FleetModel, ch: ChannelModel, inst?: InstanceModel): Record<string, string> => ({
  ...labelsOf(ch, inst),
  "app.kubernetes.io/part-of": "antenne",
  "antenne.io/fleet": fleet.name,
});

/** The antenne image's user and group (Dockerfile); a test keeps them in step. */
export const IMAGE_UID = 10001;

const INSTANCE_FILES = ["deployment.yaml", "service.yaml", "service-srt.yaml"];

function kustomization(fleet: FleetModel, resources: string[], generators: { name: string; file: string }[]) {
  return {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    namespace: fleet.kubernetes.namespace,
    resources,
    configMapGenerator: generators.map((g) => ({ name: g.name, files: [g.file] })),
  };
}

/** Files under k8s/, by path relative to it. */
export function renderK8s(fleet: FleetModel): Record<string, string> {
  const out: Record<string, string> = {};
  const resources: string[] = [];
  const generators: { name: string; file: string }[] = [];
  for (const ch of fleet.channels) {
    out[`${ch.name}/pdb.yaml`] = yaml(pdb(fleet, ch));
    resources.push(`${ch.name}/pdb.yaml`);
    for (const inst of ch.instances) {
      const files = instanceFiles(fleet, ch, inst);
      const dir = `${ch.name}/${inst.name}`;
      const own = INSTANCE_FILES.filter((f) => f in files);
      out[`${dir}/kustomization.yaml`] = yaml(
        kustomization(fleet, own, [{ name: `${inst.id}-channel`, file: "channel.yaml" }]),
      );
      for (const [f, text] of Object.entries(files)) out[`${dir}/${f}`] = text;
      resources.push(...own.map((f) => `${dir}/${f}`));
      generators.push({ name: `${inst.id}-channel`, file: `${dir}/channel.yaml` });
    }
  }
  out["kustomization.yaml"] = yaml(kustomization(fleet, resources, generators));
  return out;
}

function pdb(fleet: FleetModel, ch: ChannelModel): IPodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: ch.name, labels: metaLabels(fleet, ch) },
    spec: { maxUnavailable: 1, selector: { matchLabels: labelsOf(ch) } },
  };
}

/** One instance's files by name (its kustomization is written by renderK8s). */
function instanceFiles(fleet: FleetModel, ch: ChannelModel, inst: InstanceModel): Record<string, string> {
  const channelFile = renderInstanceChannel(fleet, ch, inst);
  return {
    "channel.yaml": channelFile,
    "deployment.yaml": yaml(deployment(fleet, ch, inst, channelFile)),
    "service.yaml": yaml(apiService(fleet, ch, inst)),
    ...(ch.srtListeners.length > 0 ? { "service-srt.yaml": yaml(srtService(fleet, ch, inst)) } : {}),
  };
}

function secretEnv(fleet: FleetModel, channelFile: string): IEnvVar[] {
  return referencedVars([channelFile]).map((v) => ({
    name: v.name,
    valueFrom: { secretKeyRef: { name: fleet.kubernetes.secretName, key: v.name, optional: v.optional } },
  }));
}

function container(
  fleet: FleetModel,
  ch: ChannelModel,
  inst: InstanceModel,
  channelFile: string,
): IContainer {
  const r = fleet.kubernetes.resources;
  return {
    name: "antenne",
    image: inst.image,
    args: ["run", "/etc/antenne/channel.yaml"],
    ports: [
      { name: "api", containerPort: inst.apiPort, protocol: "TCP" },
      ...ch.srtListeners.map((l) => ({
        name: `srt-${l.port}`,
        containerPort: l.port,
        protocol: "UDP" as const,
      })),
    ],
    env: secretEnv(fleet, channelFile),
    readinessProbe: { httpGet: { path: "/readyz", port: "api" }, periodSeconds: 2, failureThreshold: 2 },
    livenessProbe: { httpGet: { path: "/healthz", port: "api" }, periodSeconds: 10, failureThreshold: 3 },
    // Out of the Service endpoints (and the cache's rotation) before SIGTERM.
    lifecycle: { preStop: { exec: { command: ["sleep", "3"] } } },
    resources: { requests: { cpu: r.cpu, memory: r.memory }, limits: { memory: r.memoryLimit } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    volumeMounts: [
      { name: "channel", mountPath: "/etc/antenne", readOnly: true },
      { name: "data", mountPath: inst.dataDir },
    ],
  };
}

function deployment(
  fleet: FleetModel,
  ch: ChannelModel,
  inst: InstanceModel,
  channelFile: string,
): IDeployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: inst.id, labels: metaLabels(fleet, ch, inst) },
    spec: {
      replicas: 1,
      strategy: { type: "Recreate" },
      selector: { matchLabels: labelsOf(ch, inst) },
      template: {
        metadata: { labels: metaLabels(fleet, ch, inst) },
        spec: {
          // preStop 3 s + the daemon's graceful stop (≤ 5 s) + margin.
          terminationGracePeriodSeconds: 15,
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { labelSelector: { matchLabels: labelsOf(ch) }, topologyKey: "kubernetes.io/hostname" },
              ],
            },
          },
          // The image's user (Dockerfile `USER 10001:10001`); fsGroup makes the volume its own.
          securityContext: {
            runAsNonRoot: true,
            runAsUser: IMAGE_UID,
            runAsGroup: IMAGE_UID,
            fsGroup: IMAGE_UID,
          },
          containers: [container(fleet, ch, inst, channelFile)],
          volumes: [
            { name: "channel", configMap: { name: `${inst.id}-channel` } },
            { name: "data", emptyDir: {} },
          ],
        },
      },
    },
  };
}

function apiService(fleet: FleetModel, ch: ChannelModel, inst: InstanceModel): IService {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: inst.id, labels: metaLabels(fleet, ch, inst) },
    spec: {
      type: "ClusterIP",
      selector: labelsOf(ch, inst),
      ports: [{ name: "api", port: inst.apiPort, targetPort: "api", protocol: "TCP" }],
    },
  };
}

function srtService(fleet: FleetModel, ch: ChannelModel, inst: InstanceModel): IService {
  const type = fleet.kubernetes.srtServiceType;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: `${inst.id}-srt`, labels: metaLabels(fleet, ch, inst) },
    spec: {
      type,
      // Local keeps the studio's address (the SRT peer in /api/v1/status) and avoids a second hop.
      ...(type === "ClusterIP" ? {} : { externalTrafficPolicy: "Local" }),
      selector: labelsOf(ch, inst),
      ports: ch.srtListeners.map((l) => ({
        name: `srt-${l.port}`,
        port: l.port,
        targetPort: `srt-${l.port}`,
        protocol: "UDP" as const,
      })),
    },
  };
}
