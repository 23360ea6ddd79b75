import type { AudioFormat } from "../types/index.js";

/** Where a decoder reads from: bytes we write on its stdin (SRT), or a file it loops itself. */
export type DecoderSource = { kind: "stdin" } | { kind: "file"; path: string };

/**
 * ffmpeg arguments that turn anything ffmpeg decodes into program PCM (s16le at the
 * program rate and layout) on stdout. A mid-stream change of rate or layout
 * reconfigures ffmpeg's filter graph, so the output format never changes.
 */
export function decoderArgs(src: DecoderSource, fmt: AudioFormat): string[] {
  const input =
    src.kind === "stdin"
      ? // Live bytes: probe little so a new connection is on air fast; corrupt packets are skipped.
        // 0.1 s of analysis: MPEG-TS/AAC or MP2 decodes ~170 ms after its first byte (0.5 s
        // took ~570 ms, too much for "a restarted sender is decoded again within 1 s").
        [
          "-probesize",
          "32768",
          "-analyzeduration",
          "100000",
          "-fflags",
          "+nobuffer+discardcorrupt",
          "-i",
          "pipe:0",
        ]
      : // A file is decoded as fast as we read it (no -re): the input pulls on demand, so a
        // busy machine delaying ffmpeg for a moment never starves the program.
        ["-stream_loop", "-1", "-i", src.path];
  return [
    "-hide_banner",
    "-nostats",
    "-loglevel",
    "warning",
    ...input,
    "-map",
    "0:a:0",
    "-vn",
    "-sn",
    "-dn",
    "-ac",
    String(fmt.channels),
    "-ar",
    String(fmt.sampleRate),
    "-f",
    "s16le",
    "-flush_packets",
    "1",
    "pipe:1",
  ];
}
