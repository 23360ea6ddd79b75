import type { AudioFormat, Codec } from "../stages.js";

/** Samples per channel in one encoded frame. */
export function frameSamples(codec: Codec): number {
  return codec === "aac" ? 1024 : 1152;
}

/**
 * ffmpeg arguments for one profile's encoder: program PCM (f32le) on stdin, a bare
 * elementary stream on stdout (ADTS AAC-LC, or MP3 without Xing/ID3 headers so every
 * byte is audio frames), flushed packet by packet so frames leave as soon as encoded.
 */
export function encoderArgs(codec: Codec, bitrate: number, fmt: AudioFormat): string[] {
  const codecArgs =
    codec === "aac"
      ? ["-c:a", "aac", "-profile:a", "aac_low", "-b:a", String(bitrate), "-f", "adts"]
      : [
          "-c:a",
          "libmp3lame",
          "-b:a",
          String(bitrate),
          "-write_xing",
          "0",
          "-id3v2_version",
          "0",
          "-f",
          "mp3",
        ];
  return [
    "-hide_banner",
    "-nostats",
    "-loglevel",
    "warning",
    "-f",
    "f32le",
    "-ar",
    String(fmt.sampleRate),
    "-ac",
    String(fmt.channels),
    "-i",
    "pipe:0",
    ...codecArgs,
    "-flush_packets",
    "1",
    "pipe:1",
  ];
}
