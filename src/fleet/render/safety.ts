/**
 * The last fallback of every listener-facing Icecast mount: a safety mount on the master fed by
 * a looped file, so listeners stay on air when every instance of a channel is gone.
 *
 * Not Icecast's file fallback (`<fallback-mount>/safety/x.aac</fallback-mount>` served from the
 * webroot): Debian's icecast2 2.4.4 segfaults with such a file source present — measured here
 * with the master of this fleet: 1 in 12 starts within 3.5 s idle, 3–5 in 15 when its stats or
 * status page are polled (as the listeners service does), none without the file. A mount fed by
 * `ffmpeg -c copy` is an ordinary source, the path Icecast exercises all day.
 *
 *  - icecast/safety/make-safety.sh: makes each safety file from one audio file, in its mount's
 *    codec, bit rate and format (a listener moved onto it keeps decoding);
 *  - icecast/safety/safety-sources.sh: one looping `ffmpeg -re -stream_loop -1 -c copy` per
 *    mount into the master; exits when one stops, so its supervisor restarts it whole.
 */
import type { FleetModel } from "../model.js";

const mountsOf = (fleet: FleetModel) => fleet.channels.flatMap((ch) => ch.mounts);

export function makeSafetyScript(fleet: FleetModel): string {
  const lines = mountsOf(fleet).map((m) => {
    const codec = m.codec === "aac" ? "-c:a aac -f adts" : "-c:a libmp3lame -f mp3";
    return (
      `ffmpeg -hide_banner -loglevel error -y -i "$SRC" -vn -ac ${m.channels} -ar ${m.sampleRate} ` +
      `-b:a ${Math.round(m.bitrate / 1000)}k ${codec} "$OUT/${m.safetyFile}"`
    );
  });
  return [
    "#!/bin/sh",
    `# Safety files of fleet ${fleet.name}, rendered by \`antenne render\`: do not edit.`,
    "# usage: make-safety.sh SOURCE_AUDIO [OUT_DIR]   (OUT_DIR: where safety-sources.sh reads them)",
    "set -eu",
    'SRC="$1"',
    'OUT="${2:-.}"',
    'mkdir -p "$OUT"',
    ...lines,
    "",
  ].join("\n");
}

export function safetySourcesScript(fleet: FleetModel): string {
  const ice = fleet.icecast!;
  const target = `${ice.master.host}:${ice.master.port}`;
  const feeds = mountsOf(fleet).map((m) => {
    const fmt = m.codec === "aac" ? "-f adts -content_type audio/aac" : "-f mp3 -content_type audio/mpeg";
    return (
      `ffmpeg -hide_banner -nostdin -nostats -loglevel warning -re -stream_loop -1 -i "$DIR/${m.safetyFile}" ` +
      `-c copy ${fmt} "icecast://source:$PASSWORD@${target}${m.safetyMount}" &`
    );
  });
  return [
    "#!/bin/bash",
    `# Safety mounts of fleet ${fleet.name} on the Icecast master, rendered by \`antenne render\`: do not edit.`,
    "# usage: safety-sources.sh [DIR]   (DIR: the files of make-safety.sh; default this script's folder)",
    "set -u",
    `PASSWORD="${ice.master.sourcePassword ?? ""}"`,
    'DIR="${1:-$(dirname "$0")}"',
    "# Stopping the script stops what it started (and only that).",
    "cleanup() { trap - EXIT; kill $(jobs -p) 2>/dev/null; wait; }",
    "trap cleanup EXIT",
    "trap 'exit 143' TERM INT",
    ...feeds,
    "wait -n",
    "",
  ].join("\n");
}
