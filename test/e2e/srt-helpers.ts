/** Shared by the SRT e2e tests: real peers on loopback, every child bounded in time. */
import { spawn, type ChildProcess } from "node:child_process";
import { silentLogger } from "../../src/log.js";
import type { SrtOptions } from "../../src/config/schema.js";
import { SrtInput } from "../../src/input/srt/srt-input.js";
import { testErrors, testRuntime } from "../helpers/deps.js";

/** One runtime (clock, SRT reactor) for every input these tests build, as in a daemon. */
const RUNTIME = testRuntime();

const children = new Set<ChildProcess>();

/** Spawns a child that is SIGKILLed after `maxMs` at the latest (and by killAll()). */
export function spawnBounded(cmd: string, args: string[], maxMs = 60_000): ChildProcess {
  const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
  children.add(child);
  const t = setTimeout(() => void kill(child), maxMs);
  t.unref();
  child.on("exit", () => {
    clearTimeout(t);
    children.delete(child);
  });
  child.stdout?.resume();
  child.stderr?.resume();
  child.on("error", () => {});
  child.stdin?.on("error", () => {});
  return child;
}

export function kill(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
    return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    process.kill(child.pid as number, signal);
  });
}

export async function killAll(): Promise<void> {
  await Promise.all([...children].map((c) => kill(c)));
}

const SINE = [
  "-hide_banner",
  "-loglevel",
  "error",
  "-re",
  "-f",
  "lavfi",
  "-i",
  "sine=f=440:sample_rate=48000",
];

/** ffmpeg sending AAC in MPEG-TS to an SRT URL, at its defaults (its latency is in microseconds). */
export function ffmpegSender(url: string, maxMs = 60_000, extra: string[] = []): ChildProcess {
  return spawnBounded("ffmpeg", [...SINE, "-c:a", "aac", ...extra, "-f", "mpegts", url], maxMs);
}

/** ffmpeg writing MPEG-TS on stdout, piped into srt-live-transmit's stdin. */
export function sltSender(srtUrl: string, maxMs = 60_000): { ff: ChildProcess; slt: ChildProcess } {
  const ff = spawnBounded("ffmpeg", [...SINE, "-c:a", "aac", "-f", "mpegts", "pipe:1"], maxMs);
  const slt = spawnBounded("srt-live-transmit", ["-q", "file://con", srtUrl], maxMs);
  ff.stdout?.unpipe();
  ff.stdout?.pipe(slt.stdin as NodeJS.WritableStream);
  return { ff, slt };
}

export interface Harness {
  input: SrtInput;
  chunks: Buffer[];
  bytes: () => number;
  data: () => Buffer;
  /** performance.now() of every chunk arrival. */
  arrivals: number[];
}

export function makeInput(srt: Partial<SrtOptions> & Pick<SrtOptions, "mode">, starvationMs = 300): Harness {
  const full = {
    latencyMs: 200,
    passphrase: "",
    pbKeyLen: 0,
    streamId: null,
    ...srt,
  } as SrtOptions;
  const chunks: Buffer[] = [];
  const arrivals: number[] = [];
  const input = new SrtInput({
    id: "test",
    srt: full,
    starvationMs,
    log: silentLogger(),
    reactor: RUNTIME.srtReactor(),
    clock: RUNTIME.clock,
    errors: testErrors(),
    onData: (c) => {
      chunks.push(c);
      arrivals.push(performance.now());
    },
  });
  return {
    input,
    chunks,
    arrivals,
    bytes: () => chunks.reduce((n, c) => n + c.length, 0),
    data: () => Buffer.concat(chunks),
  };
}

/** True when `b` is MPEG-TS: 0x47 every 188 bytes from the first sync byte on. */
export function isMpegTs(b: Buffer): boolean {
  if (b.length < 188 * 4) return false;
  const start = b.indexOf(0x47);
  if (start < 0 || start >= 188) return false;
  for (let i = start; i < b.length; i += 188) if (b[i] !== 0x47) return false;
  return true;
}
