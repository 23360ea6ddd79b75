/** Decoding what a job wrote, with the ffmpeg CLI, for the benches' content checks. */
import { readFileSync } from "node:fs";
import { run } from "../../test/helpers/proc.js";

/** Mono float PCM of a file (channels averaged), at its own rate. */
export async function decodeMono(file: string): Promise<Float32Array> {
  return decodeBytes(readFileSync(file));
}

/** Mono float PCM of MPEG-TS (or anything ffmpeg probes) given as bytes: e.g. segments joined. */
export async function decodeBytes(bytes: Buffer): Promise<Float32Array> {
  const args = ["-hide_banner", "-loglevel", "error", "-i", "pipe:0", "-ac", "1", "-f", "f32le", "pipe:1"];
  const r = await run("ffmpeg", args, { timeoutMs: 60_000, input: bytes });
  if (r.code !== 0) throw new Error(`decoding: ${r.stderr}`);
  return new Float32Array(r.stdout.buffer, r.stdout.byteOffset, Math.floor(r.stdout.length / 4));
}

/**
 * Runs of near-silence at least `minMs` long (pure): in a signal that never goes quiet (the
 * benches send noise), each is a gap the job filled with silence.
 */
export function silentRuns(
  pcm: Float32Array,
  rate: number,
  threshold = 0.003,
  minMs = 10,
): { at: number; ms: number }[] {
  const min = Math.round((minMs / 1000) * rate);
  const out: { at: number; ms: number }[] = [];
  let start = -1;
  for (let i = 0; i <= pcm.length; i++) {
    const quiet = i < pcm.length && Math.abs(pcm[i]!) < threshold;
    if (quiet && start < 0) start = i;
    if (!quiet && start >= 0) {
      if (i - start >= min) out.push({ at: start, ms: ((i - start) / rate) * 1000 });
      start = -1;
    }
  }
  return out;
}
