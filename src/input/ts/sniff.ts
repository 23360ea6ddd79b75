/**
 * What a connection carries, from its first bytes: MPEG-TS (three 0x47 sync bytes 188 or 204
 * bytes apart, starting anywhere in the first packet length), RIFF/WAVE, or something else
 * (raw ADTS/MP3, another container: the caller falls back to an ffmpeg decoder).
 * Answers "need-more" until the bytes decide; at SNIFF_MAX_BYTES they always do.
 */
export type SniffResult = "mpegts" | "wav" | "unknown" | "need-more";

/** Enough for any TS sync offset (< 204) plus two 204-byte periods, and for a RIFF header. */
export const SNIFF_MAX_BYTES = 204 + 2 * 204 + 1;

const RIFF_MAGICS = ["RIFF", "RF64", "BW64"];

export function sniff(head: Uint8Array): SniffResult {
  return sniffRiff(head) ?? sniffTs(head);
}

/** null when the bytes cannot be the start of a RIFF container. */
function sniffRiff(head: Uint8Array): SniffResult | null {
  const n = Math.min(head.length, 4);
  const prefix = String.fromCharCode(...head.subarray(0, n));
  if (n === 0 || !RIFF_MAGICS.some((m) => m.startsWith(prefix))) return null;
  if (head.length < 12) return "need-more";
  // Another RIFF form (AVI, …) is not audio this parser reads.
  return String.fromCharCode(...head.subarray(8, 12)) === "WAVE" ? "wav" : "unknown";
}

function sniffTs(head: Uint8Array): SniffResult {
  let undecided = false;
  for (const size of [188, 204]) {
    for (let o = 0; o < size; o++) {
      if (o >= head.length) {
        undecided = true;
        break;
      }
      if (head[o] !== 0x47) continue;
      if (o + 2 * size >= head.length) {
        undecided = true;
        continue;
      }
      if (head[o + size] === 0x47 && head[o + 2 * size] === 0x47) return "mpegts";
    }
  }
  return undecided ? "need-more" : "unknown";
}
