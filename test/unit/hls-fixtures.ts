/**
 * Shared helpers for the HLS tests: real encoded audio from a real ffmpeg child,
 * frame splitters, a feed that plays the role of an encoder's EncodedStream, an
 * in-memory StateStore and a TS packet reader.
 */
import type {
  AudioFormat,
  Codec,
  EncodedFrame,
  EncodedStream,
  EncodedStreamEvents,
  ProgramTimeline,
  StateStore,
} from "../../src/types/index.js";
import { TypedEmitter } from "../../src/util/events.js";
import { run } from "../helpers/proc.js";
import { tempDir } from "../helpers/temp.js";

/** `seconds` of a 1 kHz sine at 48 kHz stereo, encoded by ffmpeg, split into frames. */
export async function encodeSine(codec: Codec, bitrate: string, seconds: number): Promise<Buffer[]> {
  const enc =
    codec === "aac"
      ? ["-c:a", "aac", "-b:a", bitrate, "-f", "adts"]
      : ["-c:a", "libmp3lame", "-b:a", bitrate, "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3"];
  const r = await run(
    "ffmpeg",
    [
      ...["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=f=1000:r=48000"],
      ...["-ac", "2", "-t", String(seconds), ...enc, "-"],
    ],
    { timeoutMs: 30_000 },
  );
  if (r.code !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  return codec === "aac" ? splitAdts(r.stdout) : splitMp3(r.stdout);
}

export function splitAdts(buf: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let i = 0;
  while (i + 7 <= buf.length) {
    if (buf[i] !== 0xff || ((buf[i + 1] ?? 0) & 0xf6) !== 0xf0) throw new Error(`no ADTS sync at ${i}`);
    const len = (((buf[i + 3] ?? 0) & 0x03) << 11) | ((buf[i + 4] ?? 0) << 3) | ((buf[i + 5] ?? 0) >> 5);
    frames.push(buf.subarray(i, i + len));
    i += len;
  }
  return frames;
}

const MP3_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MP3_RATES = [44100, 48000, 32000];

/** MPEG-1 Layer III only (what lame writes at 44.1/48 kHz). */
export function splitMp3(buf: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let i = 0;
  while (i + 4 <= buf.length) {
    if (buf[i] !== 0xff || ((buf[i + 1] ?? 0) & 0xfe) !== 0xfa) throw new Error(`no MP3 sync at ${i}`);
    const b2 = buf[i + 2] ?? 0;
    const kbps = MP3_KBPS[b2 >> 4] ?? 0;
    const rate = MP3_RATES[(b2 >> 2) & 3] ?? 48000;
    const len = Math.floor((144 * kbps * 1000) / rate) + ((b2 >> 1) & 1);
    frames.push(buf.subarray(i, i + len));
    i += len;
  }
  return frames;
}

/** Stands in for an encoder: the test decides when frames and restarts happen. */
export class FeedStream implements EncodedStream {
  readonly format: AudioFormat = { sampleRate: 48000, channels: 2 };
  private readonly emitter = new TypedEmitter<EncodedStreamEvents>();
  readonly anchors: (() => number | null)[] = [];
  readonly samples: number;
  /** Index after the last frame fed. */
  fed = 0;

  constructor(
    readonly profile: string,
    readonly codec: Codec,
    readonly bitrate: number,
    readonly frames: Buffer[],
  ) {
    this.samples = codec === "aac" ? 1024 : 1152;
  }

  on<K extends keyof EncodedStreamEvents>(event: K, fn: EncodedStreamEvents[K]): void {
    this.emitter.on(event, fn);
  }
  off<K extends keyof EncodedStreamEvents>(event: K, fn: EncodedStreamEvents[K]): void {
    this.emitter.off(event, fn);
  }
  addRestartAnchor(fn: () => number | null): void {
    this.anchors.push(fn);
  }

  /** The pos a restarted encoder would start from: min over anchors, else `fallback`. */
  anchor(fallback: number): number {
    const v = this.anchors.map((a) => a()).filter((x): x is number => x !== null);
    return v.length ? Math.min(...v) : fallback;
  }

  /** Emits frames [from, to) by index (frame i has pos i × samples); data wraps around. */
  feed(from: number, to: number): void {
    for (let i = from; i < to; i++) this.emitFrame(i);
    this.fed = Math.max(this.fed, to);
  }

  emitFrame(i: number): void {
    const data = this.frames[i % this.frames.length] as Buffer;
    const f: EncodedFrame = { data, pos: i * this.samples, samples: this.samples };
    this.emitter.emit("frame", f);
  }

  restart(pos: number): void {
    this.emitter.emit("restart", { pos, reason: "test" });
  }
}

export class MemoryState implements StateStore {
  readonly data = new Map<string, string>();
  get<T>(key: string): T | undefined {
    const v = this.data.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }
  set(key: string, value: unknown): void {
    this.data.set(key, JSON.stringify(value));
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
}

export function timelineAt(startMs: number, sampleRate = 48000): ProgramTimeline {
  return { wallMsOf: (pos) => startMs + (pos * 1000) / sampleRate, pos: 0, sampleRate };
}

export { tempDir };

export interface TsPacket {
  pid: number;
  pusi: boolean;
  cc: number;
  hasPayload: boolean;
  /** Adaptation field flags byte (0 when there is none or it is a 1-byte stuffing field). */
  afFlags: number;
  pcr: number | null;
  payload: Buffer;
}

export function readTs(buf: Buffer): TsPacket[] {
  if (buf.length % 188 !== 0) throw new Error(`TS length ${buf.length} is not a multiple of 188`);
  const out: TsPacket[] = [];
  for (let i = 0; i < buf.length; i += 188) {
    const p = buf.subarray(i, i + 188);
    if (p[0] !== 0x47) throw new Error(`no sync byte at ${i}`);
    const b1 = p[1] ?? 0;
    const b3 = p[3] ?? 0;
    const afc = (b3 >> 4) & 3;
    let at = 4;
    let afFlags = 0;
    let pcr: number | null = null;
    if (afc & 2) {
      const len = p[4] ?? 0;
      if (len > 0) {
        afFlags = p[5] ?? 0;
        if (afFlags & 0x10) {
          const hi = p[6] ?? 0;
          const lo = ((p[7] ?? 0) << 17) | ((p[8] ?? 0) << 9) | ((p[9] ?? 0) << 1) | ((p[10] ?? 0) >> 7);
          pcr = hi * 2 ** 25 + lo;
        }
      }
      at = 5 + len;
    }
    out.push({
      pid: ((b1 & 0x1f) << 8) | (p[2] ?? 0),
      pusi: (b1 & 0x40) !== 0,
      cc: b3 & 0x0f,
      hasPayload: (afc & 1) !== 0,
      afFlags,
      pcr,
      payload: p.subarray(at),
    });
  }
  return out;
}
