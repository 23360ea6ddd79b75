import type { AudioFormat, Codec } from "../types/index.js";

/** Samples per channel in one encoded frame. */
export function frameSamples(codec: Codec): number {
  return codec === "aac" ? 1024 : 1152;
}

export interface ProfileSpec {
  profile: string;
  codec: Codec;
  bitrate: number;
}

/** Arguments that encode one profile to a bare elementary stream on file descriptor `fd`. */
function profileOutput(p: ProfileSpec, fd: number): string[] {
  const codec =
    p.codec === "aac"
      ? ["-c:a", "aac", "-profile:a", "aac_low", "-b:a", String(p.bitrate), "-f", "adts"]
      : // No Xing/ID3 header: every byte on the pipe is an audio frame.
        [
          "-c:a",
          "libmp3lame",
          "-b:a",
          String(p.bitrate),
          "-write_xing",
          "0",
          "-id3v2_version",
          "0",
          "-f",
          "mp3",
        ];
  return ["-map", "0:a", ...codec, "-flush_packets", "1", `pipe:${fd}`];
}

/**
 * ffmpeg arguments for the channel's encoder: program PCM (s16le) on stdin, each profile
 * encoded exactly once to its own pipe (fd 3, 4, … in the order given), frames flushed
 * as soon as they are encoded.
 */
export function encoderArgs(profiles: ProfileSpec[], fmt: AudioFormat): string[] {
  return [
    "-hide_banner",
    "-nostats",
    "-loglevel",
    "warning",
    "-f",
    "s16le",
    "-ar",
    String(fmt.sampleRate),
    "-ac",
    String(fmt.channels),
    "-i",
    "pipe:0",
    ...profiles.flatMap((p, i) => profileOutput(p, 3 + i)),
  ];
}

/** The sample grid every encoder restart lands on, so all codecs' frame grids stay whole. */
export function restartGrid(codecs: Codec[]): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return codecs.map(frameSamples).reduce((a, b) => (a * b) / gcd(a, b), 1);
}
