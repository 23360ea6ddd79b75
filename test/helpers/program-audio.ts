/**
 * Helpers to judge a switch in the daemon's real output: SRT tone senders, the HLS
 * program downloaded and decoded as one stream with every sample mapped to wall time
 * through PROGRAM-DATE-TIME, per-window tone amplitudes, and an SSE reader.
 * Shared by test/e2e/switch-daemon.test.ts and bench/switch-latency.ts.
 */
import type { ChildProcess } from "node:child_process";
import { spawnBounded } from "../e2e/srt-helpers.js";
import { parseMedia, type MediaPlaylist } from "./m3u8.js";
import { run, until } from "./proc.js";

export const RATE = 48000;

/**
 * ffmpeg sending a sine as AAC in MPEG-TS to an SRT listener, at its defaults (its muxer sends
 * ~300 ms bursts, and digital silence in bursts up to ~0.7 s apart: the inputs adapt to that).
 * `af` is an optional filter (e.g. a scheduled volume=0).
 */
export function toneSender(
  port: number,
  freq: number,
  opts: { af?: string; maxMs?: number } = {},
): ChildProcess {
  return spawnBounded(
    "ffmpeg",
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-re",
      "-f",
      "lavfi",
      "-i",
      `sine=f=${freq}:sample_rate=${RATE}`,
      ...(opts.af ? ["-af", opts.af] : []),
      "-ac",
      "2",
      "-c:a",
      "aac",
      "-b:a",
      "128k",
      "-f",
      "mpegts",
      `srt://127.0.0.1:${port}?mode=caller&latency=120000`,
    ],
    opts.maxMs ?? 600_000,
  );
}

/** A stretch of the program as heard by an HLS client: mono f32, sample i played at wallOf(i). */
export interface ProgramAudio {
  pcm: Float32Array;
  /** PDT of the first decoded sample (ms since the epoch). */
  startPdtMs: number;
  segments: number;
  wallOf(i: number): number;
  indexOf(wallMs: number): number;
}

async function playlist(url: string): Promise<MediaPlaylist | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return res.ok ? parseMedia(await res.text()) : null;
  } catch {
    return null;
  }
}

/** Decodes MPEG-TS bytes (AAC) to mono f32 at RATE. */
export async function decodeTs(ts: Buffer): Promise<Float32Array> {
  const r = await run(
    "ffmpeg",
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-f",
      "mpegts",
      "-i",
      "pipe:0",
      "-ac",
      "1",
      "-ar",
      String(RATE),
      "-f",
      "f32le",
      "-",
    ],
    { timeoutMs: 60_000, input: ts },
  );
  const b = r.stdout;
  const out = new Float32Array(Math.floor(b.length / 4));
  for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}

/**
 * Waits until the media playlist at `playlistUrl` covers [fromMs, toMs] (wall time, via
 * PDT), downloads the segments that cover it, checks they are one contiguous run (no
 * discontinuity, sequence and PDT continuous), and decodes them in order as one stream.
 *
 * Decoded sample i is mapped to PDT(first segment) + i / RATE. The encoder's priming
 * frame (1024 samples, 21.3 ms) is NOT subtracted: an HLS client hears program sample p
 * at that time, so every onset measured this way is late by at most that much.
 */
export async function captureProgram(
  playlistUrl: string,
  fromMs: number,
  toMs: number,
  timeoutMs = 30_000,
): Promise<ProgramAudio> {
  const base = playlistUrl.slice(0, playlistUrl.lastIndexOf("/") + 1);
  const pl = await until(
    async () => {
      const p = await playlist(playlistUrl);
      const last = p?.segments.at(-1);
      return last && last.pdtMs !== null && last.pdtMs + last.duration * 1000 >= toMs ? p : null;
    },
    timeoutMs,
    `HLS segments up to ${new Date(toMs).toISOString()}`,
    200,
  );
  const segs = pl.segments.filter((s) => s.pdtMs! + s.duration * 1000 > fromMs && s.pdtMs! < toMs);
  if (segs.length === 0) throw new Error(`no segment covers ${new Date(fromMs).toISOString()}`);
  if (segs[0]!.pdtMs! > fromMs) throw new Error("the playlist no longer lists the start of the window");
  for (let i = 1; i < segs.length; i++) {
    const [a, b] = [segs[i - 1]!, segs[i]!];
    if (b.seq !== a.seq + 1 || b.discontinuity || Math.abs(b.pdtMs! - a.pdtMs! - a.duration * 1000) > 2)
      throw new Error(`segments ${a.seq} and ${b.seq} are not contiguous`);
  }
  const bytes = await Promise.all(
    segs.map(async (s) => {
      const res = await fetch(base + s.uri, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`GET ${s.uri}: ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    }),
  );
  const pcm = await decodeTs(Buffer.concat(bytes));
  const expected = segs.reduce((n, s) => n + s.duration, 0) * RATE;
  if (Math.abs(pcm.length - expected) > 2048)
    throw new Error(`decoded ${pcm.length} samples, the playlist says ${Math.round(expected)}`);
  const startPdtMs = segs[0]!.pdtMs!;
  return {
    pcm,
    startPdtMs,
    segments: segs.length,
    wallOf: (i) => startPdtMs + (i / RATE) * 1000,
    indexOf: (ms) => Math.max(0, Math.min(pcm.length, Math.round(((ms - startPdtMs) / 1000) * RATE))),
  };
}

/**
 * Amplitudes of two tones in x[start, start+n) by a joint least-squares fit of a sine
 * and a cosine at each frequency (separates 440 and 660 Hz even in a 5 ms window, where
 * a single-bin Goertzel leaks one into the other).
 */
export function toneAmps(
  x: Float32Array,
  start: number,
  n: number,
  f1: number,
  f2: number,
): [number, number] {
  const w1 = (2 * Math.PI * f1) / RATE;
  const w2 = (2 * Math.PI * f2) / RATE;
  const A = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const b = [0, 0, 0, 0];
  const v = [0, 0, 0, 0];
  for (let k = 0; k < n; k++) {
    const y = x[start + k] ?? 0;
    v[0] = Math.cos(w1 * k);
    v[1] = Math.sin(w1 * k);
    v[2] = Math.cos(w2 * k);
    v[3] = Math.sin(w2 * k);
    for (let i = 0; i < 4; i++) {
      b[i]! += v[i]! * y;
      for (let j = 0; j < 4; j++) A[i * 4 + j]! += v[i]! * v[j]!;
    }
  }
  const c = solve4(A, b);
  return [Math.hypot(c[0]!, c[1]!), Math.hypot(c[2]!, c[3]!)];
}

function solve4(A: number[], b: number[]): number[] {
  const m = A.slice();
  const y = b.slice();
  for (let col = 0; col < 4; col++) {
    let p = col;
    for (let r = col + 1; r < 4; r++) if (Math.abs(m[r * 4 + col]!) > Math.abs(m[p * 4 + col]!)) p = r;
    for (let j = 0; j < 4; j++) [m[col * 4 + j], m[p * 4 + j]] = [m[p * 4 + j]!, m[col * 4 + j]!];
    [y[col], y[p]] = [y[p]!, y[col]!];
    const d = m[col * 4 + col]! || 1e-12;
    for (let r = col + 1; r < 4; r++) {
      const f = m[r * 4 + col]! / d;
      for (let j = col; j < 4; j++) m[r * 4 + j]! -= f * m[col * 4 + j]!;
      y[r]! -= f * y[col]!;
    }
  }
  const out = [0, 0, 0, 0];
  for (let r = 3; r >= 0; r--) {
    let s = y[r]!;
    for (let j = r + 1; j < 4; j++) s -= m[r * 4 + j]! * out[j]!;
    out[r] = s / (m[r * 4 + r]! || 1e-12);
  }
  return out;
}

/** Per-window amplitudes of `freq` and `other` from sample `from` to `to`, windows of `win` every `hop`. */
export function toneTrack(
  x: Float32Array,
  from: number,
  to: number,
  freq: number,
  other: number,
  win = Math.round(RATE * 0.005),
  hop = Math.round(RATE * 0.001),
): { at: number; a: number; b: number }[] {
  const out: { at: number; a: number; b: number }[] = [];
  for (let s = Math.max(0, from); s + win <= Math.min(to, x.length); s += hop) {
    const [a, b] = toneAmps(x, s, win, freq, other);
    out.push({ at: s, a, b });
  }
  return out;
}

/**
 * First sample index at which `freq` is clearly present (its amplitude in a 5 ms window
 * above `frac` of `fullAmp`), searching from `from`. Returns the START of the first such
 * window: the onset lies inside [start, start + 5 ms).
 */
export function toneOnset(
  x: Float32Array,
  from: number,
  to: number,
  freq: number,
  other: number,
  fullAmp: number,
  frac = 0.2,
): number | null {
  for (const w of toneTrack(x, from, to, freq, other)) if (w.a > frac * fullAmp) return w.at;
  return null;
}

/** Median amplitude of `freq` over a stretch (the tone's steady level in the program). */
export function steadyAmp(x: Float32Array, from: number, to: number, freq: number, other: number): number {
  const a = toneTrack(x, from, to, freq, other, Math.round(RATE * 0.02), Math.round(RATE * 0.02)).map(
    (w) => w.a,
  );
  a.sort((p, q) => p - q);
  return a[Math.floor(a.length / 2)] ?? 0;
}

/** Longest run of |v| < threshold in x[from, to), in samples, and where it starts. */
export function longestSilenceIn(
  x: Float32Array,
  from: number,
  to: number,
  threshold: number,
): { len: number; at: number } {
  let best = { len: 0, at: from };
  let cur = 0;
  for (let i = Math.max(0, from); i < Math.min(to, x.length); i++) {
    if (Math.abs(x[i]!) < threshold) {
      cur++;
      if (cur > best.len) best = { len: cur, at: i - cur + 1 };
    } else cur = 0;
  }
  return best;
}

export interface SseEvent {
  event: string;
  data: unknown;
  /** Date.now() when it was parsed. */
  atMs: number;
}

/** Reads a Server-Sent Events stream with fetch and a reader; `events` grows as they arrive. */
export class SseReader {
  readonly events: SseEvent[] = [];
  private readonly ac = new AbortController();
  readonly done: Promise<void>;
  opened = false;

  constructor(url: string) {
    this.done = this.read(url).catch(() => undefined);
  }

  private async read(url: string): Promise<void> {
    const res = await fetch(url, { signal: this.ac.signal, headers: { accept: "text/event-stream" } });
    if (!res.ok || !res.body) throw new Error(`SSE ${res.status}`);
    this.opened = true;
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += dec.decode(value, { stream: true });
      let end: number;
      while ((end = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let event = "message";
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
        }
        if (data.length === 0) continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(data.join("\n"));
        } catch {
          parsed = data.join("\n");
        }
        this.events.push({ event, data: parsed, atMs: Date.now() });
      }
    }
  }

  switches(): (SseEvent & {
    data: { from: string | null; to: string | null; reason: string; transition: string };
  })[] {
    return this.events.filter((e) => e.event === "switch") as never;
  }

  close(): Promise<void> {
    this.ac.abort();
    return this.done;
  }
}
