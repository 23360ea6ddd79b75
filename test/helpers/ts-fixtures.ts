/**
 * Fixtures for the MPEG-TS demuxer tests: streams made by real ffmpeg at default settings, what
 * ffprobe says about them, and the demuxer's output collected for comparison.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TsDemuxer } from "../../src/input/ts/ts-demuxer.js";
import type { EsFrame, TsDiscontinuity, TsError, TsProgram, TsStats } from "../../src/input/ts/ts-types.js";
import { run } from "./proc.js";

/** Runs ffmpeg with `args` (which must end with an output of "-") and returns its stdout. */
export async function ffmpegOut(args: string[], input?: Buffer): Promise<Buffer> {
  const r = await run("ffmpeg", ["-hide_banner", "-loglevel", "error", ...args], {
    timeoutMs: 60_000,
    input,
  });
  assert.equal(r.code, 0, `ffmpeg ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** `seconds` of a sine from lavfi, encoded with `codecArgs`, as MPEG-TS with ffmpeg's defaults. */
export function sineTs(codecArgs: string[], seconds = 3, muxArgs: string[] = []): Promise<Buffer> {
  return ffmpegOut([
    "-f",
    "lavfi",
    "-i",
    `sine=f=440:r=48000:d=${seconds}`,
    ...codecArgs,
    ...muxArgs,
    "-f",
    "mpegts",
    "-",
  ]);
}

export interface ProbedPacket {
  pts: number;
  size: number;
  /** Duration in the stream's time base, and in seconds. */
  duration: number;
  durationTime: number;
  /** Byte position of the TS packet the PES started in; null for the other frames of a PES. */
  pos: number | null;
}

export interface ProbedStream {
  codec: string;
  sampleRate: number;
  channels: number;
}

async function probe(data: Buffer, args: string[]): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), "antenne-ts-"));
  try {
    const file = join(dir, "in");
    writeFileSync(file, data);
    const r = await run("ffprobe", ["-v", "error", "-of", "json", ...args, file], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout.toString()) as unknown;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ffprobe -show_packets of the first audio stream. */
export async function probePackets(data: Buffer): Promise<ProbedPacket[]> {
  const out = (await probe(data, ["-select_streams", "a:0", "-show_packets"])) as {
    packets: { pts: number; size: string; duration: number; duration_time: string; pos?: string }[];
  };
  return out.packets.map((p) => ({
    pts: p.pts,
    size: Number(p.size),
    duration: p.duration,
    durationTime: Number(p.duration_time),
    pos: p.pos === undefined ? null : Number(p.pos),
  }));
}

export async function probeStream(data: Buffer): Promise<ProbedStream> {
  const out = (await probe(data, ["-select_streams", "a:0", "-show_streams"])) as {
    streams: { codec_name: string; sample_rate: string; channels: number }[];
  };
  const s = out.streams[0];
  assert.ok(s, "ffprobe found no audio stream");
  return { codec: s.codec_name, sampleRate: Number(s.sample_rate), channels: s.channels };
}

export interface Demuxed {
  frames: EsFrame[];
  discontinuities: TsDiscontinuity[];
  programs: TsProgram[];
  errors: TsError[];
  stats: TsStats;
}

/** Demuxes `data` pushed in chunks whose sizes `chunkSize(i)` gives (whole buffer by default). */
export function demux(data: Buffer, chunkSize: (i: number) => number = () => data.length): Demuxed {
  const d: Demuxed = { frames: [], discontinuities: [], programs: [], errors: [], stats: undefined as never };
  const dmx = new TsDemuxer({
    frame: (f) => d.frames.push(f),
    discontinuity: (x) => d.discontinuities.push(x),
    program: (p) => d.programs.push(p),
    error: (e) => d.errors.push(e),
  });
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = Math.max(1, chunkSize(i));
    dmx.push(data.subarray(at, at + n));
    at += n;
  }
  dmx.end();
  d.stats = dmx.stats;
  return d;
}

/** Seeded PRNG (mulberry32): floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** PID of the 188-byte packet at `buf[off]`. */
export function pidAt(buf: Buffer, off: number): number {
  return (((buf[off + 1] as number) & 0x1f) << 8) | (buf[off + 2] as number);
}

/** Packet indices (of a packet-aligned 188-byte stream) on `pid`. */
export function packetsOnPid(buf: Buffer, pid: number): number[] {
  const out: number[] = [];
  for (let i = 0; i * 188 < buf.length; i++) if (pidAt(buf, i * 188) === pid) out.push(i);
  return out;
}

export function unitStart(buf: Buffer, index: number): boolean {
  return ((buf[index * 188 + 1] as number) & 0x40) !== 0;
}

/** The stream without the packets at `indices`. */
export function withoutPackets(buf: Buffer, indices: number[]): Buffer {
  const skip = new Set(indices);
  const parts: Buffer[] = [];
  for (let i = 0; i * 188 < buf.length; i++)
    if (!skip.has(i)) parts.push(buf.subarray(i * 188, i * 188 + 188));
  return Buffer.concat(parts);
}

/** ffprobe's frames grouped by the PES they came in (a PES starts at each frame with a pos). */
export function framesByPes(packets: ProbedPacket[]): Map<number, ProbedPacket[]> {
  const groups = new Map<number, ProbedPacket[]>();
  let current: ProbedPacket[] = [];
  for (const p of packets) {
    if (p.pos !== null) groups.set(p.pos, (current = []));
    current.push(p);
  }
  return groups;
}

/** The audio frames of a stream as ffmpeg reads them: bytes and PTS of each packet. */
export async function probedFrames(ts: Buffer): Promise<{ data: Buffer; pts: number }[]> {
  const [packets, bytes] = await Promise.all([
    probePackets(ts),
    ffmpegOut(["-i", "pipe:0", "-map", "0:a:0", "-c", "copy", "-f", "data", "-"], ts),
  ]);
  let at = 0;
  const out = packets.map((p) => {
    const data = bytes.subarray(at, at + p.size);
    at += p.size;
    return { data, pts: p.pts };
  });
  assert.equal(at, bytes.length);
  return out;
}

/**
 * The demuxer's frames are ffprobe's packets: count, sizes, durations, and PTS (exact where the PTS
 * came from the PES or the frame duration is a whole number of ticks).
 */
export function assertFramesMatchProbe(frames: EsFrame[], probed: ProbedPacket[], ptsOffset: number): void {
  assert.equal(frames.length, probed.length, "frame count = ffprobe packet count");
  for (const [i, f] of frames.entries()) {
    const p = probed[i] as ProbedPacket;
    assert.equal(f.data.length, p.size, `frame ${i} size`);
    assert.equal(f.ptsInterpolated, p.pos === null, `frame ${i}: PTS from its PES iff first frame of a PES`);
    const pts = f.pts90k - ptsOffset;
    const tick = (f.samples * 90000) / f.sampleRate;
    if (!f.ptsInterpolated || Number.isInteger(tick)) assert.equal(pts, p.pts, `frame ${i} pts`);
    // ffmpeg rounds interpolated PTS to whole ticks on a grid of frame durations (av_add_stable);
    // the demuxer keeps the exact value, so the two differ by less than one tick, never more.
    else assert.ok(Math.abs(pts - p.pts) < 1, `frame ${i} pts ${pts} vs ffprobe ${p.pts}`);
    // ffprobe's duration is floored to whole ticks and printed to the microsecond.
    assert.ok(Math.abs(p.durationTime - f.samples / f.sampleRate) < 2e-5, `frame ${i} duration`);
  }
}
