/**
 * What a PMT entry carries: stream_type plus the descriptors that refine 0x06 (PES private
 * data). Only what this demuxer frames gets a codec; other audio is "unsupported" (the caller
 * falls back to an ffmpeg decoder), everything else is "other" and never selected.
 */
import type { StreamCodec, TsStreamInfo } from "./ts-types.js";

const DESC_REGISTRATION = 0x05;
const DESC_AC3 = 0x6a;
const DESC_EAC3 = 0x7a;
const DESC_DTS = 0x7b;
const DESC_AAC = 0x7c;
const DESC_EXTENSION = 0x7f;

/** stream_type → [codec or null (unsupported audio), description]. */
const AUDIO_TYPES = new Map<number, [StreamCodec | null, string]>([
  [0x03, ["mpeg-audio", "MPEG-1 audio"]],
  [0x04, ["mpeg-audio", "MPEG-2 audio"]],
  [0x0f, ["aac", "AAC (ADTS)"]],
  [0x11, [null, "AAC (LATM)"]],
  [0x1c, [null, "MPEG-4 audio without transport syntax"]],
  [0x2d, [null, "MPEG-H 3D audio"]],
  [0x2e, [null, "MPEG-H 3D audio (auxiliary)"]],
  [0x81, ["ac3", "AC-3"]],
  [0x87, ["eac3", "E-AC-3"]],
]);

/** Registration descriptor format identifiers seen on stream_type 0x06 audio. */
const REGISTERED = new Map<string, [StreamCodec | null, string]>([
  ["AC-3", ["ac3", "AC-3 (registration)"]],
  ["EAC3", ["eac3", "E-AC-3 (registration)"]],
  ["Opus", [null, "Opus"]],
  ["BSSD", [null, "SMPTE 302M PCM"]],
  ["DTS1", [null, "DTS"]],
  ["DTS2", [null, "DTS"]],
  ["DTS3", [null, "DTS"]],
]);

export function classifyStream(pid: number, streamType: number, desc: Uint8Array): TsStreamInfo {
  let found = AUDIO_TYPES.get(streamType);
  if (streamType === 0x06) found = privateDataAudio(desc);
  if (!found) {
    return { pid, streamType, kind: "other", codec: null, description: `stream_type 0x${hex(streamType)}` };
  }
  const [codec, name] = found;
  return { pid, streamType, kind: "audio", codec, description: codec ? name : `${name}, unsupported` };
}

/** Stream type 0x06 is audio only when a descriptor says so (DVB EN 300 468 / ETSI TS 101 154). */
function privateDataAudio(desc: Uint8Array): [StreamCodec | null, string] | undefined {
  let fallback: [StreamCodec | null, string] | undefined;
  for (let i = 0; i + 2 <= desc.length;) {
    const tag = desc[i] as number;
    const len = desc[i + 1] as number;
    if (i + 2 + len > desc.length) break;
    if (tag === DESC_AC3) return ["ac3", "AC-3 (DVB)"];
    if (tag === DESC_EAC3) return ["eac3", "E-AC-3 (DVB)"];
    if (tag === DESC_DTS) fallback ??= [null, "DTS (DVB)"];
    if (tag === DESC_AAC) fallback ??= [null, "AAC (DVB AAC descriptor)"];
    if (tag === DESC_EXTENSION && len >= 1) fallback ??= audioExtension(desc[i + 2] as number);
    if (tag === DESC_REGISTRATION && len >= 4) {
      const id = String.fromCharCode(...desc.subarray(i + 2, i + 6));
      const reg = REGISTERED.get(id);
      if (reg?.[0]) return reg;
      fallback ??= reg;
    }
    i += 2 + len;
  }
  return fallback;
}

/** DVB extension descriptor tags that announce audio: DTS-HD, AC-4, DTS-UHD. */
function audioExtension(tag: number): [StreamCodec | null, string] | undefined {
  const name = tag === 0x0e ? "DTS-HD" : tag === 0x15 ? "AC-4" : tag === 0x21 ? "DTS-UHD" : undefined;
  return name ? [null, name] : undefined;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}
