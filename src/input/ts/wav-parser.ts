/**
 * Incremental RIFF/WAVE parser for PCM arriving as a byte stream (Liquidsoap `%wav`, `ffmpeg -f
 * wav`): any chunking, output as interleaved float with the sample count since the header, which
 * is how a timestamp-less input is timed.
 *
 * - Chunks other than fmt and data (LIST, fact, bext, ds64, JUNK…) are skipped.
 * - A data chunk of size 0, 0xFFFFFFFF or ≥ 2 GiB is a stream without end (ffmpeg writes
 *   0xFFFFFFFF to a pipe, Liquidsoap 0xEFFFFFDB); a smaller one ends where it says, and chunk
 *   parsing resumes after it.
 * - A sender restarted over the same connection sends a new header. It is recognised when
 *   "RIFF"/"RF64"/"BW64" + 4 bytes + "WAVE" appears where a chunk header is expected (after a
 *   data chunk of declared size), or ANYWHERE inside data (12 fixed bytes: real PCM matching
 *   them by chance is a 2^-64 event per byte). Audio before it is emitted up to the last whole
 *   sample frame; a cut frame is dropped. Bytes that might start such a header are held back
 *   until the next push decides. Not detectable: a restart without a header (headerless PCM,
 *   Liquidsoap `header=false`), or a new header that lost bytes on the way.
 * - Anything that is not WAVE (or an unsupported format) is reported, and bytes are skipped
 *   until the next RIFF header.
 */
import { parseFmt, toFloat, type WavFormat } from "./wav-format.js";

export type { WavFormat, WavSampleFormat } from "./wav-format.js";

export interface WavError {
  code: "not-wav" | "unsupported-format" | "bad-chunk";
  message: string;
}

export interface WavListener {
  /** A new header was read; `samples` that follow are in this format. */
  format?(f: WavFormat): void;
  /** `frames` sample frames, interleaved; `frameIndex` counts frames since the header. */
  samples?(pcm: Float32Array, frames: number, frameIndex: number): void;
  error?(e: WavError): void;
}

export interface WavStats {
  bytesIn: number;
  headers: number;
  /** Headers that arrived after audio of an earlier header (sender restarts). */
  restarts: number;
  framesOut: number;
  /** Bytes that were neither header, skipped chunk nor audio (garbage, cut frames). */
  bytesSkipped: number;
  /** Listener calls that threw (the parser carries on). */
  listenerErrors: number;
}

type State = "riff" | "chunk" | "fmt" | "skip" | "data" | "search";

const MAGICS = ["RIFF", "RF64", "BW64"];
const MAX_FMT = 4096;
const STREAMING = 0x80000000;

/** True when b[j, end) could be the start of "RIFF"/"RF64"/"BW64" ???? "WAVE". */
function couldStartHeader(b: Buffer, j: number, end: number): boolean {
  for (const m of MAGICS) {
    let ok = true;
    for (let i = 0; ok && j + i < end && i < 12; i++) {
      const want = i < 4 ? m.charCodeAt(i) : i >= 8 ? "WAVE".charCodeAt(i - 8) : -1;
      ok = want < 0 || b[j + i] === want;
    }
    if (ok) return true;
  }
  return false;
}

/** First complete header signature in b[from, end), or -1. */
function findHeader(b: Buffer, from: number, end: number): number {
  let best = -1;
  for (const m of MAGICS) {
    for (let k = b.indexOf(m, from); k >= 0 && k + 12 <= end; k = b.indexOf(m, k + 1)) {
      if (b.toString("latin1", k + 8, k + 12) === "WAVE") {
        if (best < 0 || k < best) best = k;
        break;
      }
    }
  }
  return best;
}

export class WavParser {
  readonly stats: WavStats = {
    bytesIn: 0,
    headers: 0,
    restarts: 0,
    framesOut: 0,
    bytesSkipped: 0,
    listenerErrors: 0,
  };
  private pending: Buffer = Buffer.alloc(0);
  private state: State = "riff";
  private format: WavFormat | null = null;
  private fmt: Omit<WavFormat, "dataBytes"> | null = null;
  private need = 0;
  /** Bytes left in the current data chunk (Infinity when streaming). */
  private remaining = 0;
  private frameIndex = 0;
  private pad = 0;

  constructor(private readonly listener: WavListener) {}

  /** The format of the audio being emitted, or null before the first data chunk. */
  get currentFormat(): WavFormat | null {
    return this.format;
  }

  push(chunk: Buffer): void {
    this.stats.bytesIn += chunk.length;
    const b = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const pos = this.run(b, 0, false);
    this.pending = Buffer.from(b.subarray(pos));
  }

  /** End of input: held-back bytes are audio after all; a cut frame is dropped. */
  end(): void {
    const b = this.pending;
    const pos = this.run(b, 0, true);
    this.stats.bytesSkipped += b.length - pos;
    this.pending = Buffer.alloc(0);
  }

  private run(b: Buffer, pos: number, final: boolean): number {
    for (;;) {
      const next = this.step(b, pos, final);
      if (next < 0) return pos;
      pos = next;
    }
  }

  /** One state transition from `pos`; the new position, or -1 when more bytes are needed. */
  private step(b: Buffer, pos: number, final: boolean): number {
    const avail = b.length - pos;
    switch (this.state) {
      case "riff":
        return this.riff(b, pos, avail);
      case "search":
        return this.search(b, pos);
      case "chunk":
        return this.chunkHeader(b, pos, avail);
      case "fmt":
        return avail < this.need ? -1 : this.fmtBody(b, pos);
      case "skip": {
        if (avail === 0 || this.need === 0) return this.need === 0 ? this.go("chunk", pos) : -1;
        const n = Math.min(avail, this.need);
        this.need -= n;
        return pos + n;
      }
      case "data":
        return this.data(b, pos, final);
    }
  }

  private go(state: State, pos: number): number {
    this.state = state;
    return pos;
  }

  private fail(code: WavError["code"], message: string, pos: number): number {
    this.guard(() => this.listener.error?.({ code, message }));
    this.format = null;
    return this.go("search", pos);
  }

  private riff(b: Buffer, pos: number, avail: number): number {
    if (avail < 12)
      return couldStartHeader(b, pos, b.length) ? -1 : this.fail("not-wav", "no RIFF/WAVE header", pos);
    const magic = b.toString("latin1", pos, pos + 4);
    if (!MAGICS.includes(magic) || b.toString("latin1", pos + 8, pos + 12) !== "WAVE") {
      return this.fail("not-wav", `stream starts with ${JSON.stringify(magic)}, not a RIFF/WAVE header`, pos);
    }
    this.stats.headers++;
    if (this.frameIndex > 0) this.stats.restarts++;
    this.frameIndex = 0;
    this.fmt = null;
    this.format = null;
    return this.go("chunk", pos + 12);
  }

  private search(b: Buffer, pos: number): number {
    const k = findHeader(b, pos, b.length);
    if (k >= 0) {
      this.stats.bytesSkipped += k - pos;
      return this.go("riff", k);
    }
    let keep = Math.max(pos, b.length - 11);
    while (keep < b.length && !couldStartHeader(b, keep, b.length)) keep++;
    this.stats.bytesSkipped += keep - pos;
    return keep === pos ? -1 : keep;
  }

  private chunkHeader(b: Buffer, pos: number, avail: number): number {
    if (avail < 8) return -1;
    const id = b.toString("latin1", pos, pos + 4);
    const size = b.readUInt32LE(pos + 4);
    if (MAGICS.includes(id)) return this.go("riff", pos); // a new header at a chunk boundary
    if (id === "fmt ") {
      if (size > MAX_FMT) return this.fail("bad-chunk", `fmt chunk of ${size} bytes`, pos + 8);
      this.need = size + (size & 1);
      this.pad = size & 1;
      return this.go("fmt", pos + 8);
    }
    if (id === "data") return this.dataHeader(size, pos + 8);
    this.need = size + (size & 1);
    return this.go("skip", pos + 8);
  }

  private fmtBody(b: Buffer, pos: number): number {
    const f = parseFmt(b.subarray(pos, pos + this.need - this.pad));
    if (typeof f === "string") return this.fail("unsupported-format", f, pos + this.need);
    this.fmt = f;
    return this.go("chunk", pos + this.need);
  }

  private dataHeader(size: number, pos: number): number {
    if (!this.fmt) return this.fail("bad-chunk", "data chunk before any fmt chunk", pos);
    const streaming = size === 0 || size >= STREAMING;
    this.remaining = streaming ? Infinity : size;
    this.pad = streaming ? 0 : size & 1;
    this.format = { ...this.fmt, dataBytes: streaming ? null : size };
    const format = this.format;
    this.guard(() => this.listener.format?.(format));
    return this.go("data", pos);
  }

  private data(b: Buffer, pos: number, final: boolean): number {
    const fmt = this.format as WavFormat;
    const chunkEnd = Math.min(b.length, pos + this.remaining);
    const restart = findHeader(b, pos, chunkEnd);
    let end = restart >= 0 ? restart : chunkEnd;
    if (restart < 0 && !final && chunkEnd === b.length) {
      // Hold back what might be the start of a new header until the next push.
      for (let j = Math.max(pos, end - 11); j < end; j++) {
        if (couldStartHeader(b, j, b.length)) {
          end = j;
          break;
        }
      }
    }
    const frames = Math.floor((end - pos) / fmt.blockAlign);
    if (frames > 0) this.emit(b, pos, frames, fmt);
    const used = frames * fmt.blockAlign;
    this.remaining -= used;
    if (restart >= 0) {
      this.stats.bytesSkipped += restart - pos - used;
      this.remaining = 0;
      return this.go("riff", restart);
    }
    if (this.remaining === 0) {
      this.need = this.pad;
      return this.go("skip", pos + used);
    }
    if (this.remaining < fmt.blockAlign) {
      // A declared size that is not a whole number of frames: the rest is not audio.
      this.need = this.remaining + this.pad;
      this.stats.bytesSkipped += this.remaining;
      this.remaining = 0;
      return this.go("skip", pos + used);
    }
    return used > 0 ? pos + used : -1;
  }

  /** A listener that throws is counted; parsing state must never be left half-updated. */
  private guard(call: () => void): void {
    try {
      call();
    } catch {
      this.stats.listenerErrors++;
    }
  }

  private emit(b: Buffer, pos: number, frames: number, fmt: WavFormat): void {
    const pcm = new Float32Array(frames * fmt.channels);
    toFloat(fmt.sampleFormat, b, pos, pcm.length, pcm, 0);
    const index = this.frameIndex;
    this.guard(() => this.listener.samples?.(pcm, frames, index));
    this.frameIndex += frames;
    this.stats.framesOut += frames;
  }
}
