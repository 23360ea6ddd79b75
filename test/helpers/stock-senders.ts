/**
 * The senders studios and ops actually run, each with its DEFAULT settings: no muxer, packet or
 * buffering option beyond what a user types to pick a codec and a destination. Every child is
 * bounded in time (spawnBounded) and stopped by its PID (`Sender.stop`).
 *
 * The only non-default arguments are those that choose the signal (a lavfi sine, a WAV file, a
 * scheduled silence filter), the codec (`-c:a`), `-muxrate` in the CBR case (that IS the case),
 * `-nostdin -hide_banner -loglevel error` (console noise), and the tee muxer's `onfail=ignore`
 * in the two-path case (without it a cut path would stop the other one too).
 */
import type { ChildProcess } from "node:child_process";
import { kill, spawnBounded } from "../e2e/srt-helpers.js";
import { BurstPipe } from "./burst-pipe.js";

const QUIET = ["-hide_banner", "-nostdin", "-loglevel", "error"];

export interface Sender {
  readonly procs: ChildProcess[];
  /** Wall ms of named moments (e.g. "part 2 first byte"), for the verdict. */
  readonly marks: Record<string, number>;
  /** Everything the sender wrote on stderr (the first 64 kB), for diagnosis. */
  stderr(): string;
  stop(): Promise<void>;
}

export interface ToneSource {
  freq: number;
  rate?: number;
  /** ffmpeg -ac (the lavfi sine is mono). */
  channels?: number;
  /** An -af filter (e.g. a scheduled silence). */
  af?: string;
  /** Stop after this many seconds (-t). */
  seconds?: number;
}

export type Codec = "aac" | "mp2" | "libmp3lame" | "ac3";

/** `ffmpeg -re -f lavfi -i sine=… [-af …] -c:a CODEC` up to the output options. */
export function toneArgs(src: ToneSource, codec: Codec = "aac"): string[] {
  return [
    ...QUIET,
    "-re",
    "-f",
    "lavfi",
    "-i",
    `sine=f=${src.freq}:sample_rate=${src.rate ?? 48000}`,
    ...(src.af ? ["-af", src.af] : []),
    ...(src.channels ? ["-ac", String(src.channels)] : []),
    ...(src.seconds ? ["-t", String(src.seconds)] : []),
    "-c:a",
    codec,
  ];
}

function sender(procs: ChildProcess[]): Sender {
  let err = "";
  for (const p of procs)
    p.stderr?.on("data", (b: Buffer) => {
      if (err.length < 65_536) err += b.toString();
    });
  return {
    procs,
    marks: {},
    stderr: () => err,
    stop: async () => {
      await Promise.all(procs.map((p) => kill(p)));
    },
  };
}

/** Plain `ffmpeg … -f mpegts srt://…` in caller mode (ffmpeg's own SRT defaults). */
export function ffmpegCaller(
  port: number,
  src: ToneSource,
  codec: Codec,
  extra: string[] = [],
  maxMs = 90_000,
): Sender {
  const args = [...toneArgs(src, codec), ...extra, "-f", "mpegts", `srt://127.0.0.1:${port}`];
  return sender([spawnBounded("ffmpeg", args, maxMs)]);
}

/** srt-live-transmit with its defaults, reading MPEG-TS from stdin. */
function slt(url: string, maxMs: number): ChildProcess {
  return spawnBounded("srt-live-transmit", ["file://con", url], maxMs);
}

/** `ffmpeg … -f mpegts - | srt-live-transmit file://con srt://…` (caller). */
export function ffmpegPipeSlt(url: string, src: ToneSource, codec: Codec = "aac", maxMs = 90_000): Sender {
  const ff = spawnBounded("ffmpeg", [...toneArgs(src, codec), "-f", "mpegts", "-"], maxMs);
  const s = slt(url, maxMs);
  ff.stdout!.unpipe();
  ff.stdout!.pipe(s.stdin!);
  return sender([ff, s]);
}

/**
 * Several ffmpeg runs one after the other into ONE srt-live-transmit's stdin (a shell's
 * `{ ffmpeg …; ffmpeg …; } | srt-live-transmit …`, run by hand so every child has a PID to kill):
 * one connection whose stream changes format when the next run starts.
 */
export function sequenceIntoSlt(url: string, parts: ToneSource[], maxMs = 90_000): Sender {
  const s = slt(url, maxMs);
  const procs: ChildProcess[] = [s];
  const handle = sender(procs);
  const next = (i: number): void => {
    const src = parts[i];
    if (!src) {
      s.stdin!.end();
      return;
    }
    const ff = spawnBounded("ffmpeg", [...toneArgs(src, "aac"), "-f", "mpegts", "-"], maxMs);
    procs.push(ff);
    handle.marks[`part ${i + 1} started`] = Date.now();
    ff.stdout!.once("data", () => (handle.marks[`part ${i + 1} first byte`] = Date.now()));
    ff.stdout!.pipe(s.stdin!, { end: false });
    ff.once("close", () => {
      handle.marks[`part ${i + 1} ended`] = Date.now();
      next(i + 1);
    });
  };
  next(0);
  return handle;
}

/** ffmpeg's MPEG-TS held and released once per `periodMs` into srt-live-transmit (caller). */
export function burstySlt(
  url: string,
  src: ToneSource,
  periodMs: number,
  maxMs = 90_000,
): Sender & { pipe: BurstPipe } {
  const ff = spawnBounded("ffmpeg", [...toneArgs(src, "aac"), "-f", "mpegts", "-"], maxMs);
  const s = slt(url, maxMs);
  ff.stdout!.unpipe();
  const pipe = new BurstPipe(ff.stdout!, s.stdin!, periodMs);
  const base = sender([ff, s]);
  return {
    ...base,
    pipe,
    stop: async () => {
      pipe.stop();
      await base.stop();
    },
  };
}

/** One ffmpeg, one encode, the same MPEG-TS to several SRT destinations (tee muxer). */
export function ffmpegTee(
  ports: number[],
  inputArgs: string[],
  codec: Codec = "aac",
  maxMs = 90_000,
): Sender {
  const outs = ports.map((p) => `[f=mpegts:onfail=ignore]srt://127.0.0.1:${p}`).join("|");
  const args = [...QUIET, "-re", ...inputArgs, "-map", "0:a", "-c:a", codec, "-f", "tee", outs];
  return sender([spawnBounded("ffmpeg", args, maxMs)]);
}
