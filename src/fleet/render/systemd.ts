/**
 * Bare hosts: systemd units for what runs on the fleet's own machines. One template unit runs
 * any instance (`systemctl enable --now antenne@fip-a` on the host where fip-a runs) from its
 * rendered channel file, one unit runs the listeners service, one feeds the Icecast safety mounts,
 * and a drop-in fills the Icecast secrets into Debian's icecast2 configuration before it starts. Paths: antenne installed in
 * /opt/antenne (npm ci && npm run build), rendered files copied to /etc/antenne/, secrets in
 * /etc/antenne/secrets.env (see docs/deploy.md).
 */
import { basename } from "node:path";
import { NODE_FLAGS } from "../../node-flags.js";
import type { FleetModel } from "../model.js";

const HEADER = "# Rendered by `antenne render`: do not edit.";
const NODE = `/usr/bin/node ${NODE_FLAGS.join(" ")} /opt/antenne/dist/src`;

function instanceUnit(fleet: FleetModel): string {
  return [
    HEADER,
    "# One antenne instance of this fleet: systemctl enable --now antenne@<channel>-<instance>",
    "[Unit]",
    `Description=antenne instance %i (fleet ${fleet.name})`,
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "EnvironmentFile=/etc/antenne/secrets.env",
    `ExecStart=${NODE}/cli.js run /etc/antenne/instances/%i.yaml`,
    "Restart=always",
    "RestartSec=1",
    // The daemon stops gracefully within 5 s (SPEC §1).
    "TimeoutStopSec=10",
    "User=antenne",
    "Group=antenne",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

function listenersUnit(fleet: FleetModel, fleetFile: string): string {
  return [
    HEADER,
    "[Unit]",
    `Description=antenne live listener counting (fleet ${fleet.name})`,
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "EnvironmentFile=/etc/antenne/secrets.env",
    `ExecStart=${NODE}/cli.js listeners /etc/antenne/fleet/${basename(fleetFile)}`,
    "Restart=always",
    "RestartSec=1",
    "DynamicUser=yes",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** The safety mounts' feeder, on the master's host (files in /etc/antenne/icecast/safety/). */
function safetyUnit(fleet: FleetModel): string {
  return [
    HEADER,
    "[Unit]",
    `Description=antenne safety mounts on the Icecast master (fleet ${fleet.name})`,
    "After=icecast2.service",
    "",
    "[Service]",
    "EnvironmentFile=/etc/antenne/secrets.env",
    "ExecStart=/bin/bash /etc/antenne/icecast/safety/safety-sources.sh /etc/antenne/icecast/safety",
    "Restart=always",
    "RestartSec=2",
    "DynamicUser=yes",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** Drop-in for Debian's icecast2.service: the rendered config with its secrets filled in. */
function icecastDropIn(file: string): string {
  return [
    HEADER,
    `# /etc/systemd/system/icecast2.service.d/antenne.conf; copy icecast/${file} to /etc/antenne/icecast/.`,
    "[Service]",
    "EnvironmentFile=/etc/antenne/secrets.env",
    `ExecStartPre=${NODE}/fleet/fill-secrets-main.js /etc/antenne/icecast/${file} /etc/icecast2/icecast.xml`,
    "",
  ].join("\n");
}

/** systemd/ files by path. */
export function renderSystemd(fleet: FleetModel, fleetFile: string): Record<string, string> {
  const out: Record<string, string> = {
    "systemd/antenne@.service": instanceUnit(fleet),
    "systemd/antenne-listeners.service": listenersUnit(fleet, fleetFile),
  };
  if (fleet.icecast) {
    out["systemd/icecast2-master.conf"] = icecastDropIn("master.xml");
    out["systemd/antenne-icecast-safety.service"] = safetyUnit(fleet);
    for (const r of fleet.icecast.relays)
      out[`systemd/icecast2-relay-${r.name}.conf`] = icecastDropIn(`relay-${r.name}.xml`);
  }
  return out;
}
