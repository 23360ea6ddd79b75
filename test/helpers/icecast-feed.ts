/**
 * Test feeds for the Icecast output: an EncodedStream fed by a real ffmpeg encoder (a sine
 * tone, in real time), split into ADTS / MP3 frames, plus a hand-driven stream; and a
 * listener that decodes a mount with ffmpeg and measures the tone.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type {
  AudioFormat,
  Codec,
  EncodedFrame,
  EncodedStream,
  EncodedStreamEvents,
} from "../../src/types/index.js";
import { TypedEmitter } from "../../src/util/events.js";

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

function track(child: ChildProcess, maxMs: number): void {
  live.add(child);
  // Every child is bounded in time, even if a test forgets it.
  const t = setTimeout(() => child.kill("SIGKILL"), maxMs);
  t.unref();
  child.once("exit", () => {
    clearTimeout(t);
    live.delete(child);
  });
}

/** Stops a child by its PID: SIGTERM, SIGKILL after 2 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 2000);
  await gone;
  clearTimeout(t);
}

export interface ParsedFrame {
  length: number;
  samples: number;
}

/** An ADTS header at `b[i]`: frame length and samples, or null when it is not one. */
export function adtsFrameAt(b: Buffer, i: number): ParsedFrame | null {
  if (i + 7 > b.length) return null;
  if (b[i] !== 0xff || (b[i + 1]! & 0xf6) !== 0xf0) return null;
  const length = ((b[i + 3]! & 0x03) << 11) | (b[i + 4]! << 3) | (b[i + 5]! >> 5);
  if (length < 7) return null;
  return { length, samples: 1024 * ((b[i + 6]! & 0x03) + 1) };
}

const MP3_BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MP3_BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const MP3_RATES = [44100, 48000, 32000];

/** An MPEG audio layer III header at `b[i]`, or null. */
export function mp3FrameAt(b: Buffer, i: number): ParsedFrame | null {
  if (i + 4 > b.length) return null;
  if (b[i] !== 0xff || (b[i + 1]! & 0xe0) !== 0xe0) return null;
  const version = (b[i + 1]! >> 3) & 3; // 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5
  const layer = (b[i + 1]! >> 1) & 3; // 1 = layer III
  const brIdx = b[i + 2]! >> 4;
  const srIdx = (b[i + 2]! >> 2) & 3;
  const pad = (b[i + 2]! >> 1) & 1;
  if (version === 1 || layer !== 1 || brIdx === 0 || brIdx === 15 || srIdx === 3) return null;
  const v1 = version === 3;
  const kbps = (v1 ? MP3_BITRATES_V1 : MP3_BITRATES_V2)[brIdx]!;
  const rate = MP3_RATES[srIdx]! / (v1 ? 1 : version === 2 ? 2 : 4);
  const length = Math.floor(((v1 ? 144 : 72) * kbps * 1000) / rate) + pad;
  return { length, samples: v1 ? 1152 : 576 };
}

/** Splits a byte stream into whole frames; resyncs on garbage. */
export class FrameSplitter {
  private buf: Buffer = Buffer.alloc(0);
  private readonly at: (b: Buffer, i: number) => ParsedFrame | null;

  constructor(codec: Codec) {
    this.at = codec === "aac" ? adtsFrameAt : mp3FrameAt;
  }

  push(chunk: Buffer): { data: Buffer; samples: number }[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: { data: Buffer; samples: number }[] = [];
    let i = 0;
    while (i + 7 <= this.buf.length) {
      const f = this.at(this.buf, i);
      if (!f) {
        i++;
        continue;
      }
      if (i + f.length > this.buf.length) break;
      out.push({ data: Buffer.from(this.buf.subarray(i, i + f.length)), samples: f.samples });
      i += f.length;
    }
    this.buf = this.buf.subarray(i);
    return out;
  }
}

/** An EncodedStream driven by hand. */
export class ManualStream implements EncodedStream {
  private readonly ev = new TypedEmitter<EncodedStreamEvents>();
  constructor(
    readonly codec: Codec = "aac",
    readonly bitrate = 128_000,
    readonly format: AudioFormat = { sampleRate: 44100, channels: 2 },
    readonly profile = "test",
  ) {}
  on<K extends keyof EncodedStreamEvents>(event: K, fn: EncodedStreamEvents[K]): void {
    this.ev.on(event, fn);
  }
  off<K extends keyof EncodedStreamEvents>(event: K, fn: EncodedStreamEvents[K]): void {
    this.ev.off(event, fn);
  }
  addRestartAnchor(): void {}
  emitFrame(f: EncodedFrame): void {
    this.ev.emit("frame", f);
  }
  listenerCount(): number {
    return this.ev.listenerCount("frame");
  }
}

export interface FfmpegFeedOptions {
  codec: Codec;
  frequencyHz: number;
  bitrate?: number;
  sampleRate?: 44100 | 48000;
  channels?: 1 | 2;
  /** Hard bound on the encoder's life. */
  maxMs?: number;
}

/** A real-time ffmpeg sine encoder as an EncodedStream; pos = running sample count. */
export class FfmpegFeed extends ManualStream {
  frames = 0;
  private child: ChildProcess | null = null;
  private pos = 0;

  constructor(private readonly o: FfmpegFeedOptions) {
    super(o.codec, o.bitrate ?? 128_000, { sampleRate: o.sampleRate ?? 44100, channels: o.channels ?? 2 });
  }

  start(): void {
    const kbps = `${Math.round(this.bitrate / 1000)}k`;
    const enc =
      this.codec === "aac"
        ? ["-c:a", "aac", "-b:a", kbps, "-f", "adts"]
        : ["-c:a", "libmp3lame", "-b:a", kbps, "-f", "mp3", "-write_xing", "0", "-id3v2_version", "0"];
    const args = [
      ...["-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi"],
      ...["-i", `sine=f=${this.o.frequencyHz}:r=${this.format.sampleRate}`],
      ...["-ac", String(this.format.channels), ...enc, "-"],
    ];
    const child = spawn("ffmpeg", args, { stdio: ["ignore", "pipe", "ignore"] });
    track(child, this.o.maxMs ?? 120_000);
    this.child = child;
    const split = new FrameSplitter(this.codec);
    child.stdout?.on("data", (chunk: Buffer) => {
      for (const f of split.push(chunk)) {
        this.frames++;
        this.emitFrame({ data: f.data, pos: this.pos, samples: f.samples });
        this.pos += f.samples;
      }
    });
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child);
    this.child = null;
  }
}

/**
 * Listens to `url` with ffmpeg for `seconds` and returns mono s16le PCM at `rate`.
 * Bounded: killed by PID after `seconds` + 15 s.
 */
export function listen(url: string, seconds: number, rate = 44100): Promise<Int16Array> {
  return new Promise((resolve, reject) => {
    const args = ["-nostdin", "-hide_banner", "-loglevel", "error", "-i", url, "-t", String(seconds)];
    const child = spawn("ffmpeg", [...args, "-ac", "1", "-ar", String(rate), "-f", "s16le", "-"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    track(child, (seconds + 15) * 1000);
    const chunks: Buffer[] = [];
    let err = "";
    child.stdout?.on("data", (c: Buffer) => chunks.push(c));
    child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      const b = Buffer.concat(chunks);
      if (b.length < 2) {
        reject(new Error(`listener got no audio (exit ${code}): ${err.slice(-500)}`));
        return;
      }
      const copy = Buffer.from(b.subarray(0, b.length - (b.length % 2)));
      resolve(new Int16Array(copy.buffer, copy.byteOffset, copy.length / 2));
    });
  });
}

/** Relative power of `freq` in `pcm` (Goertzel), normalised by the total power: ~1 for a pure tone, ~0 without it. */
export function toneStrength(pcm: Int16Array, rate: number, freq: number): number {
  const w = (2 * Math.PI * freq) / rate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const v of pcm) {
    const x = v / 32768;
    energy += x * x;
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return energy > 0 ? (2 * power) / (pcm.length * energy) : 0;
}

/** Dominant frequency estimated from upward zero crossings. */
export function zeroCrossingHz(pcm: Int16Array, rate: number): number {
  let n = 0;
  for (let i = 1; i < pcm.length; i++) if (pcm[i - 1]! < 0 && pcm[i]! >= 0) n++;
  return (n * rate) / pcm.length;
}
