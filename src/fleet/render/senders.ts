/**
 * The studio side: per channel and path, one script and one systemd unit that feed that path's
 * input on every instance, with stock tools at their defaults. ffmpeg encodes the studio signal
 * once and sends MPEG-TS to one local UDP port per instance; one srt-live-transmit per instance
 * calls that instance's SRT listener (latency, passphrase, stream id and key length of the
 * channel file). UDP decouples them: an instance that is away never stalls the encode or the
 * other instance, and each relay reconnects on its own.
 *
 * The passphrase stays the channel file's `${VAR}` reference: the shell expands it at run time
 * (systemd reads it from /etc/antenne/senders.env).
 */
import type { FleetModel, InstanceModel, SenderModel } from "../model.js";

/** Query parameters of an SRT caller URL, without the passphrase (added by the shell). */
export function srtCallerQuery(s: SenderModel, latencyUnit: "ms" | "us"): string {
  const l = s.listener;
  const latency = latencyUnit === "ms" ? l.latencyMs : l.latencyMs * 1000;
  const parts = [`mode=caller`, `latency=${latency}`];
  if (l.pbKeyLen > 0) parts.push(`pbkeylen=${l.pbKeyLen}`);
  if (l.streamId !== null) parts.push(`streamid=${encodeURIComponent(l.streamId)}`);
  return parts.join("&");
}

/** ffmpeg output options: the encode of the path (stock ffmpeg, no muxer tuning). */
export function encodeArgs(s: SenderModel): string[] {
  return ["-vn", "-c:a", s.codec, "-b:a", s.bitrate];
}

function teeTarget(s: SenderModel, i: number): string {
  // 1316 bytes (7 TS packets) per datagram: what one SRT packet carries (srt-live-transmit
  // reads at most 1456 bytes a datagram; ffmpeg's UDP default is 1472).
  return `[f=mpegts]udp://127.0.0.1:${s.udpPort + i}?pkt_size=1316`;
}

function relayLine(s: SenderModel, inst: InstanceModel, i: number): string {
  const url = `srt://${inst.srtHost}:${s.listener.port}?${srtCallerQuery(s, "ms")}`;
  return `relay ${s.udpPort + i} "${url}\${PASSPHRASE:+&passphrase=$PASSPHRASE}" &`;
}

export function senderScript(fleet: FleetModel, s: SenderModel): string {
  const targets = s.instances.map((inst, i) => teeTarget(s, i)).join("|");
  const ffmpeg = [
    "ffmpeg -hide_banner -nostdin -nostats -loglevel warning",
    `  ${s.source}`,
    `  ${[...encodeArgs(s), "-map", "0:a", "-f", "tee"].join(" ")}`,
    `  "${targets}" &`,
  ].join(" \\\n");
  return [
    "#!/bin/bash",
    `# Studio sender of ${s.channel}, path ${s.path}: feeds input ${s.input} on ` +
      s.instances.map((i) => `${i.name} (${i.srtHost}:${s.listener.port})`).join(", ") +
      ".",
    `# Fleet ${fleet.name}; rendered by \`antenne render\`: do not edit. Needs ffmpeg and srt-live-transmit`,
    "# (Debian: ffmpeg srt-tools). Exits when the encoder stops, so its supervisor restarts it whole.",
    "set -u",
    `PASSPHRASE="${s.listener.passphrase}"`,
    "# Stopping the script stops what it started (and only that).",
    "cleanup() { trap - EXIT; kill $(jobs -p) 2>/dev/null; wait; }",
    "trap cleanup EXIT",
    "trap 'exit 143' TERM INT",
    "# One relay per instance: local UDP in, SRT caller out; it reconnects by itself, and is restarted if it exits.",
    "relay() {",
    "  local child=",
    "  trap 'kill $child 2>/dev/null; exit 0' TERM",
    "  while :; do",
    '    srt-live-transmit -q "udp://127.0.0.1:$1" "$2" &',
    "    child=$!",
    "    wait $child",
    "    sleep 1",
    "  done",
    "}",
    ...s.instances.map((inst, i) => relayLine(s, inst, i)),
    ffmpeg,
    "wait -n",
    "",
  ].join("\n");
}

export function senderUnit(fleet: FleetModel, s: SenderModel): string {
  return [
    "# Rendered by `antenne render`: do not edit.",
    "[Unit]",
    `Description=antenne studio sender ${s.id} (fleet ${fleet.name}) to ${s.instances.map((i) => i.id).join(", ")}`,
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "# SRT passphrases and the other variables the script references.",
    "EnvironmentFile=-/etc/antenne/senders.env",
    `ExecStart=/usr/local/lib/antenne/senders/${s.id}.sh`,
    "Restart=always",
    "RestartSec=2",
    "KillMode=control-group",
    "DynamicUser=yes",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/** senders/ files by path. */
export function renderSenders(fleet: FleetModel): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ch of fleet.channels) {
    for (const s of ch.senders) {
      out[`senders/${s.id}.sh`] = senderScript(fleet, s);
      out[`senders/antenne-sender-${s.id}.service`] = senderUnit(fleet, s);
    }
  }
  return out;
}

/** The direct ffmpeg → SRT argv of a compose test sender (one per path and instance). */
export function directSenderArgs(s: SenderModel, inst: InstanceModel): string {
  const url = `srt://${inst.srtHost}:${s.listener.port}?${srtCallerQuery(s, "us")}`;
  return [
    "exec ffmpeg -hide_banner -nostdin -nostats -loglevel warning",
    s.source,
    ...encodeArgs(s),
    "-f mpegts",
    `"${url}\${PASSPHRASE:+&passphrase=$PASSPHRASE}"`,
  ].join(" ");
}
