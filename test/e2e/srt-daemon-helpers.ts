/**
 * Shared by the daemon-level SRT tests (srt-daemon, srt-bad-input, srt-drift): senders with
 * a chosen tone, an in-memory log sink, status polling and "which tone is in the HLS output".
 * Every child is bounded in time (spawnBounded) and killed by PID in the tests' after hooks.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import type { InputStatus, ChannelStatus } from "../../src/channel/view.js";
import { decodeMono, toneShare } from "../helpers/audio.js";
import { channelConfig } from "../helpers/channel.js";
import { parseMedia } from "../helpers/m3u8.js";
import { freeTcpPort } from "../helpers/ports.js";
import { spawnBounded } from "./srt-helpers.js";
import { systemClock } from "../../src/clock/clock.js";

/**
 * lavfi sine source at `freq` (1/8 full scale: -18 dBFS peak, -21 dBFS RMS), sent as dual
 * mono stereo at full level by default (ffmpeg's own mono → stereo upmix is -3 dB);
 * `-re` paces it at real time unless `realtime` is false.
 */
export function sine(
  freq: number,
  opts: { rate?: number; realtime?: boolean; readrate?: number; mono?: boolean; filter?: string } = {},
): string[] {
  const rate = opts.rate ?? 48000;
  // -readrate r reads the input at r × real time (ffmpeg ≥ 5.0): 1.001 is a sender clock 0.1 % fast.
  const re = opts.readrate ? ["-readrate", String(opts.readrate)] : opts.realtime === false ? [] : ["-re"];
  const filters = [opts.filter, opts.mono ? null : "pan=stereo|c0=c0|c1=c0"].filter(Boolean);
  return [
    "-hide_banner",
    "-loglevel",
    "error",
    "-nostdin",
    ...re,
    "-f",
    "lavfi",
    "-i",
    `sine=f=${freq}:sample_rate=${rate}`,
    ...(filters.length ? ["-af", filters.join(",")] : []),
  ];
}

export type Codec = "aac" | "mp2" | "wav";

/** Encoder + container arguments as a studio would send them. */
export function encodeArgs(codec: Codec): string[] {
  if (codec === "wav") return ["-c:a", "pcm_s16le", "-f", "wav"];
  const c = codec === "aac" ? ["-c:a", "aac", "-b:a", "128k"] : ["-c:a", "mp2", "-b:a", "192k"];
  return [...c, "-f", "mpegts"];
}

/** ffmpeg caller (or listener, per `url`) sending a tone; ffmpeg's SRT latency is in µs. */
export function ffmpegTone(
  url: string,
  freq: number,
  codec: Codec = "aac",
  maxMs = 120_000,
  input: string[] = sine(freq),
): ChildProcess {
  return spawnBounded("ffmpeg", [...input, ...encodeArgs(codec), url], maxMs);
}

/** `ffmpeg … -f mpegts - | srt-live-transmit file://con <srtUrl>`, both at their defaults (latency in ms there). */
export function sltTone(
  srtUrl: string,
  freq: number,
  codec: Codec = "aac",
  maxMs = 120_000,
): { ff: ChildProcess; slt: ChildProcess } {
  const ff = spawnBounded("ffmpeg", [...sine(freq), ...encodeArgs(codec), "pipe:1"], maxMs);
  const slt = spawnBounded("srt-live-transmit", ["-q", "file://con", srtUrl], maxMs);
  ff.stdout?.unpipe();
  ff.stdout?.pipe(slt.stdin as NodeJS.WritableStream);
  return { ff, slt };
}

/** pino lines collected in memory, for asserting on "a clear log line". */
export class LogSink {
  readonly lines: Record<string, unknown>[] = [];
  readonly log: Logger;

  constructor(level = "info") {
    let partial = "";
    const stream = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        const text = partial + chunk.toString();
        const parts = text.split("\n");
        partial = parts.pop() ?? "";
        if (process.env.ANTENNE_TEST_LOG) process.stderr.write(parts.join("\n") + "\n");
        for (const p of parts) {
          if (!p) continue;
          try {
            this.lines.push(JSON.parse(p) as Record<string, unknown>);
          } catch {
            this.lines.push({ msg: p });
          }
        }
        cb();
      },
    });
    this.log = pino({ level: process.env.ANTENNE_TEST_LOG ?? level, base: { channel: "test" } }, stream);
  }

  /** Lines whose msg matches and whose fields include `fields`, after index `from`. */
  find(msg: RegExp, fields: Record<string, unknown> = {}, from = 0): Record<string, unknown>[] {
    return this.lines.slice(from).filter((l) => {
      if (!msg.test(String(l.msg ?? ""))) return false;
      return Object.entries(fields).every(([k, v]) => l[k] === v);
    });
  }
}

/** Starts a daemon in-process from YAML (API on a free port) with the given logger. */
export async function startLoggedDaemon(
  yaml: (apiPort: number) => string,
  dir: string,
  log: Logger,
): Promise<Daemon> {
  const port = await freeTcpPort();
  return startDaemon(channelConfig(yaml(port), dir), log, systemClock);
}

export async function status(d: Daemon): Promise<ChannelStatus> {
  const r = await fetch(`${d.url}/api/v1/status`);
  if (r.status !== 200) throw new Error(`status: HTTP ${r.status}`);
  return (await r.json()) as ChannelStatus;
}

export async function inputStatus(d: Daemon, id: string): Promise<InputStatus> {
  const r = await fetch(`${d.url}/api/v1/inputs/${id}`);
  if (r.status !== 200) throw new Error(`input ${id}: HTTP ${r.status}`);
  return (await r.json()) as InputStatus;
}

export async function metrics(d: Daemon): Promise<string> {
  return (await fetch(`${d.url}/metrics`)).text();
}

/** The value of one series in Prometheus text, or NaN. */
export function metric(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name + "{")) continue;
    const lbl = line.slice(name.length + 1, line.lastIndexOf("}"));
    if (Object.entries(labels).every(([k, v]) => lbl.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return NaN;
}

/** HLS media playlist of `profile` as parsed now (null before it exists). */
export function media(hlsDir: string, channel: string, profile: string) {
  const f = join(hlsDir, `${channel}_${profile}.m3u8`);
  return existsSync(f) ? parseMedia(readFileSync(f, "utf8")) : null;
}

/**
 * The strongest of `candidates` in the first HLS segment whose first sample was played
 * at or after `sinceWallMs` (its PDT); waits for it.
 */
export async function toneInHls(
  hlsDir: string,
  channel: string,
  profile: string,
  sinceWallMs: number,
  candidates: number[],
  timeoutMs = 15_000,
): Promise<{ freq: number; share: number; seq: number }> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const seg = media(hlsDir, channel, profile)?.segments.find((s) => (s.pdtMs ?? 0) >= sinceWallMs);
    if (seg) {
      const pcm = await decodeMono(join(hlsDir, seg.uri), { timeoutMs: 20_000 });
      // Skip the encoder priming at the start of the segment file.
      const tone = dominantBlocks(pcm.subarray(Math.min(4800, pcm.length >> 2)), candidates, 48000);
      return { ...tone, seq: seg.seq };
    }
    if (performance.now() > end)
      throw new Error(`no HLS segment played after ${new Date(sinceWallMs).toISOString()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The strongest candidate by its tone share averaged over 100 ms blocks. An input buffer
 * steers its resampling ratio by up to ±0.1 % (±0.8 Hz at 770 Hz): enough to smear a
 * Goertzel over seconds, not over 100 ms.
 */
export function dominantBlocks(
  x: Float32Array,
  candidates: number[],
  rate: number,
  blockSec = 0.1,
): { freq: number; share: number } {
  const n = Math.round(rate * blockSec);
  const blocks = Math.floor(x.length / n);
  let best = { freq: 0, share: 0 };
  for (const f of candidates) {
    let sum = 0;
    for (let b = 0; b < blocks; b++) sum += toneShare(x.subarray(b * n, (b + 1) * n), f, rate);
    const share = blocks > 0 ? sum / blocks : 0;
    if (share > best.share) best = { freq: f, share };
  }
  return best;
}

/** The SRT peer of an input ("host:port"), null for other kinds or while nobody publishes. */
export function peerOf(i: InputStatus): string | null {
  return i.kind === "srt" ? i.srt.peer : null;
}

/** Wall ms of the newest HLS segment of the first variant (0 before any). */
export function lastSegmentWallMs(s: ChannelStatus): number {
  const hls = s.outputs.find((o) => o.kind === "hls") as
    { profiles?: Record<string, { lastSegmentWallMs: number | null }> } | undefined;
  const first = Object.values(hls?.profiles ?? {})[0];
  return first?.lastSegmentWallMs ?? 0;
}
