/**
 * `antenne render`: every file of the fleet, by path relative to the output folder. A pure
 * function of the model (and the fleet file's name, which the compose listeners service mounts):
 * the same fleet renders byte-identical trees, in a stable order.
 */
import { referencedVars } from "../env-refs.js";
import { renderInstanceChannel } from "../instance-channel.js";
import type { FleetModel } from "../model.js";
import { renderCompose } from "./compose.js";
import { renderIcecastMaster, renderIcecastRelay } from "./icecast.js";
import { renderK8s } from "./k8s.js";
import { renderMonitoring } from "./monitoring.js";
import { renderNginx } from "./nginx.js";
import { makeSafetyScript, safetySourcesScript } from "./safety.js";
import { renderSenders } from "./senders.js";
import { renderSystemd } from "./systemd.js";
import { byCode } from "./text.js";
import { renderVarnish } from "./varnish.js";

function icecast(fleet: FleetModel): Record<string, string> {
  if (!fleet.icecast) return {};
  const out: Record<string, string> = {
    "icecast/master.xml": renderIcecastMaster(fleet),
    "icecast/safety/make-safety.sh": makeSafetyScript(fleet),
    "icecast/safety/safety-sources.sh": safetySourcesScript(fleet),
  };
  for (const r of fleet.icecast.relays) out[`icecast/relay-${r.name}.xml`] = renderIcecastRelay(fleet, r);
  return out;
}

/** The channel file each instance runs (compose and bare hosts; k8s keeps its own copy). */
function instanceFiles(fleet: FleetModel): Record<string, string> {
  return Object.fromEntries(
    fleet.channels.flatMap((ch) =>
      ch.instances.map((inst) => [`instances/${inst.id}.yaml`, renderInstanceChannel(fleet, ch, inst)]),
    ),
  );
}

/** Every variable any rendered file references, with no value: what ops must provide. */
function secretsExample(files: Record<string, string>): string {
  // Dashboards hold Grafana's own `${variable}`s, not the environment's.
  const vars = referencedVars(
    Object.entries(files)
      .filter(([p]) => !p.startsWith("grafana/dashboards/"))
      .map(([, t]) => t),
  );
  const required = vars.filter((v) => !v.optional).map((v) => `${v.name}=`);
  const optional = vars.filter((v) => v.optional).map((v) => `${v.name}=`);
  return [
    "# Every ${VAR} the rendered fleet references, without values. Fill in a copy and keep it out of",
    "# version control: compose reads it as .env, Kubernetes as",
    "# `kubectl create secret generic NAME --from-env-file=FILE` (NAME: kubernetes.secretName).",
    ...required,
    ...(optional.length > 0 ? ["# Optional: a default applies when unset or empty.", ...optional] : []),
    "",
  ].join("\n");
}

export function renderFleet(fleet: FleetModel, fleetFile: string): Record<string, string> {
  const files: Record<string, string> = {
    ...icecast(fleet),
    "nginx/hls-cache.conf": renderNginx(fleet),
    "varnish/hls.vcl": renderVarnish(fleet),
    ...renderMonitoring(fleet),
    ...Object.fromEntries(Object.entries(renderK8s(fleet)).map(([k, v]) => [`k8s/${k}`, v])),
    ...instanceFiles(fleet),
    "compose.yaml": renderCompose(fleet, fleetFile),
    ...renderSystemd(fleet, fleetFile),
    ...renderSenders(fleet),
  };
  files["secrets.env.example"] = secretsExample(files);
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => byCode(a, b)));
}
