/**
 * Test material for the libav decoder tests: elementary streams made by the real ffmpeg at
 * test time, cut into frames by a minimal header walker (the product's framers are tested
 * elsewhere and deliberately not used here), and signal measures.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DecoderCodec } from "../../src/decode/audio-decoder.js";
import { run } from "../helpers/proc.js";

export interface EsSpec {
  codec: DecoderCodec;
  rate: number;
  channels: number;
  seconds: number;
  freq?: number;
  bitrate?: string;
}

const ENCODER: Record<DecoderCodec, { encoder: string; muxer: string }> = {
  aac: { encoder: "aac", muxer: "adts" },
  mp2: { encoder: "mp2", muxer: "mp2" },
  mp3: { encoder: "libmp3lame", muxer: "mp3" },
  ac3: { encoder: "ac3", muxer: "ac3" },
  eac3: { encoder: "eac3", muxer: "eac3" },
};

/** A scratch directory under the OS temp dir; `done()` removes it. */
export function scratch(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "antenne-libav-"));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `ffmpeg -f lavfi -i sine=... -c:a <codec> -f <raw muxer> file`: the path of the ES. */
export async function makeEs(dir: string, spec: EsSpec): Promise<string> {
  const { encoder, muxer } = ENCODER[spec.codec];
  const file = join(dir, `${spec.codec}-${spec.rate}-${spec.channels}-${spec.freq ?? 1000}.${muxer}`);
  const args = ["-hide_banner", "-loglevel", "error", "-y"];
  args.push("-f", "lavfi", "-i", `sine=f=${spec.freq ?? 1000}:r=${spec.rate}`, "-t", String(spec.seconds));
  args.push("-ac", String(spec.channels), "-c:a", encoder);
  if (spec.bitrate) args.push("-b:a", spec.bitrate);
  args.push("-f", muxer, file);
  const r = await run("ffmpeg", args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  return file;
}

/**
 * What the ffmpeg CLI decodes from a file: interleaved f32 at the stream's own rate and
 * channel count, with the CLI's default decoder for the codec.
 */
export async function ffmpegDecode(file: string): Promise<Float32Array> {
  // skip_manual: no gapless trimming from an MP3's LAME tag, which a TS stream never carries.
  const args = [
    "-hide_banner",
    "-loglevel",
    "error",
    "-flags2",
    "+skip_manual",
    "-i",
    file,
    "-f",
    "f32le",
    "-",
  ];
  const r = await run("ffmpeg", args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  const out = new Float32Array(r.stdout.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = r.stdout.readFloatLE(i * 4);
  return out;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const MPEG_BITRATES: Record<string, number[]> = {
  // kbit/s by bitrate index, for MPEG-1 layer II, MPEG-1 layer III, MPEG-2/2.5 layers II and III.
  "1-2": [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  "1-3": [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  "2-x": [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MPEG_RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};

/** Length of the MPEG audio (layer II/III) frame at `i`, or 0 when no header is there. */
function mpegFrameLength(b: Buffer, i: number): number {
  if (b[i] !== 0xff || ((b[i + 1] ?? 0) & 0xe0) !== 0xe0) return 0;
  const version = ((b[i + 1] ?? 0) >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  const layer = 4 - (((b[i + 1] ?? 0) >> 1) & 3);
  const brIndex = (b[i + 2] ?? 0) >> 4;
  const rate = MPEG_RATES[version]?.[((b[i + 2] ?? 0) >> 2) & 3];
  const pad = ((b[i + 2] ?? 0) >> 1) & 1;
  const table = version === 3 ? MPEG_BITRATES[`1-${layer}`] : MPEG_BITRATES["2-x"];
  const kbps = table?.[brIndex];
  if (!rate || !kbps || layer < 2) return 0;
  const coeff = version === 3 || layer === 2 ? 144 : 72;
  return Math.floor((coeff * kbps * 1000) / rate) + pad;
}

const AC3_KBPS = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640];

/** Length of the AC-3 or E-AC-3 syncframe at `i`, or 0. */
function ac3FrameLength(b: Buffer, i: number): number {
  if (b[i] !== 0x0b || b[i + 1] !== 0x77) return 0;
  const bsid = (b[i + 5] ?? 0) >> 3;
  if (bsid > 10) return ((((b[i + 2] ?? 0) & 7) << 8) + (b[i + 3] ?? 0) + 1) * 2; // E-AC-3 frmsiz
  const fscod = (b[i + 4] ?? 0) >> 6;
  const code = (b[i + 4] ?? 0) & 0x3f;
  const kbps = AC3_KBPS[code >> 1];
  if (kbps === undefined || fscod === 3) return 0;
  const words = [kbps * 2, Math.floor((kbps * 1000 * 1536) / (16 * 44100)) + (code & 1), kbps * 3][fscod]!;
  return words * 2;
}

function adtsFrameLength(b: Buffer, i: number): number {
  if (b[i] !== 0xff || ((b[i + 1] ?? 0) & 0xf6) !== 0xf0) return 0;
  return (((b[i + 3] ?? 0) & 3) << 11) | ((b[i + 4] ?? 0) << 3) | ((b[i + 5] ?? 0) >> 5);
}

/** A LAME/Xing tag frame: an MP3 frame that carries no audio, written by the mp3 muxer only. */
function isInfoFrame(frame: Buffer): boolean {
  const head = frame.subarray(0, 64).toString("latin1");
  return head.includes("Info") || head.includes("Xing");
}

/** Bytes of the ID3v2 tag the mp3 muxer writes first (0 when there is none). */
function id3Length(b: Buffer): number {
  if (b.subarray(0, 3).toString("latin1") !== "ID3") return 0;
  const size = [6, 7, 8, 9].reduce((n, k) => (n << 7) | ((b[k] ?? 0) & 0x7f), 0); // synchsafe
  return 10 + size;
}

/** Cuts a raw elementary stream into whole frames; throws when it loses sync. */
export function splitFrames(codec: DecoderCodec, es: Buffer): Buffer[] {
  const length =
    codec === "aac"
      ? adtsFrameLength
      : codec === "ac3" || codec === "eac3"
        ? ac3FrameLength
        : mpegFrameLength;
  const frames: Buffer[] = [];
  for (let i = codec === "mp3" ? id3Length(es) : 0; i < es.length;) {
    const n = length(es, i);
    if (n <= 0 || i + n > es.length) throw new Error(`${codec}: lost sync at byte ${i}`);
    frames.push(es.subarray(i, i + n));
    i += n;
  }
  if (codec === "mp3" && frames[0] && isInfoFrame(frames[0])) frames.shift();
  return frames;
}

export async function esFrames(dir: string, spec: EsSpec): Promise<{ file: string; frames: Buffer[] }> {
  const file = await makeEs(dir, spec);
  return { file, frames: splitFrames(spec.codec, readFileSync(file)) };
}

/** One channel of interleaved PCM. */
export function channel(pcm: Float32Array, channels: number, ch: number): Float32Array {
  const out = new Float32Array(Math.floor(pcm.length / channels));
  for (let i = 0; i < out.length; i++) out[i] = pcm[i * channels + ch]!;
  return out;
}

/** Frequency estimated from upward zero crossings (first to last crossing). */
export function zeroCrossingHz(x: Float32Array, rate: number): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 1; i < x.length; i++) {
    if (x[i - 1]! < 0 && x[i]! >= 0) {
      if (first < 0) first = i;
      last = i;
      count++;
    }
  }
  return count > 1 ? ((count - 1) * rate) / (last - first) : 0;
}

export function concatF32(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Seeded PRNG (mulberry32): the same "random" bytes on every run. */
export function seededBytes(seed: number, n: number): Buffer {
  let a = seed >>> 0;
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}
