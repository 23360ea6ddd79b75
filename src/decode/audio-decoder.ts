/**
 * One input's in-process audio decoder (libavcodec through libav.ts): one whole codec frame
 * in (ADTS AAC frame with its header, MPEG audio layer II/III frame, AC-3 / E-AC-3 syncframe)
 * with its PTS, 0..n blocks of interleaved Float32 out, each with the PTS of its first sample.
 *
 * Bad input never throws: a frame libavcodec rejects is counted (`errors`, `lastError` with
 * av_strerror's text) and yields no block, so the caller conceals the gap; after
 * `errorBudget` consecutive decoder errors the codec context is re-created from scratch.
 * Sample rate and channel changes mid-stream are followed by libavcodec itself; each block
 * says what it carries. All calls synchronous on the main thread (see libav.ts).
 */
import { frameProblem } from "./frame-header.js";
import { isSupportedFormat, planeBytes, planeCount, toInterleavedFloat } from "./interleave.js";
import { FrameFields, PacketFields } from "./libav-structs.js";
import {
  AVERROR_EAGAIN,
  AVERROR_EOF,
  AV_INPUT_BUFFER_PADDING_SIZE,
  AV_NOPTS_VALUE,
  type Libav,
  type Ptr,
} from "./libav.js";

export type DecoderCodec = "aac" | "mp2" | "mp3" | "ac3" | "eac3";

/** libavcodec decoder names, float decoders first (the default "mp2" decoder is fixed-point). */
const DECODER_NAMES: Record<DecoderCodec, string[]> = {
  aac: ["aac"],
  mp2: ["mp2float", "mp2"],
  mp3: ["mp3float", "mp3"],
  ac3: ["ac3"],
  eac3: ["eac3"],
};

/**
 * Codec context options. `err_detect=crccheck+explode`: the decoders verify the CRCs a
 * stream carries (AC-3/E-AC-3 always, ADTS and MPEG audio when protected) and report a
 * damaged frame as an error instead of concealing it themselves, so every lost frame is
 * counted and concealed the same way by the caller. `threads=1`: no libavcodec threads.
 */
const CONTEXT_OPTIONS = { threads: "1", err_detect: "crccheck+explode", pkt_timebase: "1/90000" };

/**
 * The largest frame accepted: ADTS frames end at 8191 bytes (13-bit length); an E-AC-3 access
 * unit may carry an independent and dependent substreams of up to 4096 bytes each.
 */
export const MAX_FRAME_BYTES = 16384;
const MAX_CHANNELS = 8;

export interface DecodedBlock {
  /** Interleaved Float32, `samples * channels` values. */
  pcm: Float32Array;
  sampleRate: number;
  channels: number;
  /** Samples per channel. */
  samples: number;
  /**
   * PTS (90 kHz) of the first sample: libavcodec's frame pts (the packet's), or, when it has
   * none, the previous block's end (then fractional in general); NaN when neither is known.
   */
  pts90k: number;
  /** libav's native channel mask (AV_CH_*), null when the layout has no native order. */
  layoutMask: bigint | null;
}

export interface AudioDecoderOptions {
  /** Consecutive decoder errors after which the codec context is re-created (default 8). */
  errorBudget?: number;
  /** Frames larger than this are refused before they reach libavcodec (default and cap 16384). */
  maxFrameBytes?: number;
}

export class AudioDecoder {
  /** Frames handed to decode(). */
  framesIn = 0;
  blocksOut = 0;
  /** Every frame refused or failed (too big, empty, decoder error, unusable output). */
  errors = 0;
  lastError: string | null = null;
  consecutiveErrors = 0;
  /** Codec contexts re-created after `errorBudget` consecutive errors. */
  resets = 0;
  private codec: DecoderCodec | null = null;
  private codecPtr: Ptr = 0n;
  private ctx: Ptr = 0n;
  private pkt: PacketFields | null = null;
  private frame: FrameFields | null = null;
  private inPtr: Ptr = 0n;
  /** JS copy of a decoded frame's planes; grows to the largest frame seen, never shrinks. */
  private planes = new Uint8Array(0);
  private nextPts: number | null = null;
  private closed = false;
  private readonly errorBudget: number;
  private readonly maxFrameBytes: number;

  constructor(
    private readonly lib: Libav,
    opts: AudioDecoderOptions = {},
  ) {
    this.errorBudget = opts.errorBudget ?? 8;
    this.maxFrameBytes = Math.min(opts.maxFrameBytes ?? MAX_FRAME_BYTES, MAX_FRAME_BYTES);
  }

  get openCodec(): DecoderCodec | null {
    return this.codec;
  }

  /** Opens (or switches to) a codec. Throws when libavcodec has no decoder for it. */
  open(codec: DecoderCodec): void {
    if (this.closed) throw new Error("AudioDecoder: open() after close()");
    if (this.codec === codec && this.ctx !== 0n) return;
    this.allocBuffers();
    const found = DECODER_NAMES[codec].map((n) => this.lib.findDecoder(n)).find((p) => p !== 0n);
    if (found === undefined) throw new Error(`AudioDecoder: libavcodec has no ${codec} decoder`);
    this.freeContext();
    this.codecPtr = found;
    this.codec = codec;
    const err = this.createContext();
    if (err) throw new Error(`AudioDecoder: cannot open the ${codec} decoder: ${err}`);
  }

  /** Decodes one whole codec frame. Never throws on bad data: see `errors`. */
  decode(data: Uint8Array, pts90k: number): DecodedBlock[] {
    const { pkt, codec } = this.ready("decode");
    this.framesIn++;
    if (data.byteLength === 0 || data.byteLength > this.maxFrameBytes) {
      this.fail(`frame of ${data.byteLength} bytes refused (limit ${this.maxFrameBytes})`, false);
      return [];
    }
    const problem = frameProblem(codec, data);
    if (problem) {
      this.fail(`frame refused: ${problem}`, false);
      return [];
    }
    if (this.ctx === 0n && this.recreate() !== null) return [];
    // libavcodec copies the packet (with zeroed padding) on send: our buffer needs no padding.
    this.lib.copyIn(this.inPtr, data);
    const pts = Number.isFinite(pts90k) ? BigInt(Math.round(pts90k)) : AV_NOPTS_VALUE;
    pkt.set(this.inPtr, data.byteLength, pts);
    const rc = this.lib.sendPacket(this.ctx, pkt.ptr);
    if (rc < 0) {
      this.fail(`avcodec_send_packet: ${this.lib.strerror(rc)}`, true);
      return [];
    }
    return this.receive();
  }

  /** Drains what the decoder still holds, then resets it for a discontinuity. */
  flush(): DecodedBlock[] {
    this.ready("flush");
    if (this.ctx === 0n) return [];
    const out = this.lib.sendPacket(this.ctx, 0n) < 0 ? [] : this.receive();
    this.lib.flushBuffers(this.ctx);
    this.nextPts = null;
    return out;
  }

  /** Frees everything; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.freeContext();
    if (this.pkt) {
      // The packet points at our buffer without owning it: detach before libav frees it.
      this.pkt.set(0n, 0, AV_NOPTS_VALUE);
      this.lib.packetFree(this.pkt.ptr);
      this.pkt = null;
    }
    if (this.frame) this.lib.frameFree(this.frame.ptr);
    this.frame = null;
    if (this.inPtr !== 0n) this.lib.free(this.inPtr);
    this.inPtr = 0n;
    this.planes = new Uint8Array(0);
  }

  private ready(op: string): { pkt: PacketFields; codec: DecoderCodec } {
    if (this.closed || !this.pkt || this.codec === null) {
      throw new Error(`AudioDecoder: ${op}() ${this.closed ? "after close()" : "before open()"}`);
    }
    return { pkt: this.pkt, codec: this.codec };
  }

  private allocBuffers(): void {
    if (this.pkt) return;
    const pkt = this.lib.packetAlloc();
    const frame = this.lib.frameAlloc();
    const inPtr = this.lib.malloc(MAX_FRAME_BYTES + AV_INPUT_BUFFER_PADDING_SIZE);
    if (pkt === 0n || frame === 0n || inPtr === 0n) {
      if (pkt !== 0n) this.lib.packetFree(pkt);
      if (frame !== 0n) this.lib.frameFree(frame);
      if (inPtr !== 0n) this.lib.free(inPtr);
      throw new Error("AudioDecoder: out of memory");
    }
    this.pkt = new PacketFields(this.lib, pkt);
    this.frame = new FrameFields(this.lib, frame);
    this.inPtr = inPtr;
  }

  /** A fresh codec context; the error text, or null. */
  private createContext(): string | null {
    const r = this.lib.openDecoder(this.codecPtr, CONTEXT_OPTIONS);
    if (typeof r === "bigint") {
      this.ctx = r;
      return null;
    }
    return `${r.op}: ${this.lib.strerror(r.error)}`;
  }

  private freeContext(): void {
    if (this.ctx !== 0n) this.lib.freeContext(this.ctx);
    this.ctx = 0n;
    this.nextPts = null;
  }

  private recreate(): string | null {
    this.freeContext();
    this.resets++;
    this.consecutiveErrors = 0;
    const err = this.createContext();
    if (err) this.fail(`re-creating the ${this.codec} decoder: ${err}`, false);
    return err;
  }

  private fail(message: string, decoderError: boolean): void {
    this.errors++;
    this.lastError = message;
    if (!decoderError) return;
    if (++this.consecutiveErrors >= this.errorBudget) this.recreate();
  }

  private receive(): DecodedBlock[] {
    const out: DecodedBlock[] = [];
    for (;;) {
      const rc = this.lib.receiveFrame(this.ctx, this.frame!.ptr);
      if (rc === AVERROR_EAGAIN || rc === AVERROR_EOF) break;
      if (rc < 0) {
        this.fail(`avcodec_receive_frame: ${this.lib.strerror(rc)}`, true);
        break;
      }
      const block = this.readFrame(this.frame!.load());
      this.lib.frameUnref(this.frame!.ptr);
      if (block) out.push(block);
    }
    return out;
  }

  /** The decoded frame as a block, or null (counted) when its fields are out of bounds. */
  private readFrame(f: FrameFields): DecodedBlock | null {
    const samples = f.nbSamples;
    const channels = f.channels;
    const sampleRate = f.sampleRate;
    const format = f.format;
    const bytes = planeBytes(format, samples, channels);
    const sane =
      samples > 0 &&
      channels >= 1 &&
      channels <= MAX_CHANNELS &&
      sampleRate >= 8000 &&
      sampleRate <= 192000 &&
      isSupportedFormat(format) &&
      f.extendedData === f.dataArray && // data[] holds every plane for <= 8 channels
      bytes <= f.linesize(0);
    if (!sane) {
      this.fail(
        `unusable frame: ${samples} samples, ${channels} ch, ${sampleRate} Hz, format ${format}`,
        true,
      );
      return null;
    }
    const count = planeCount(format, channels);
    if (this.planes.length < count * bytes) this.planes = new Uint8Array(count * bytes);
    for (let i = 0; i < count; i++)
      this.lib.copyOut(this.planes.subarray(i * bytes, (i + 1) * bytes), f.plane(i));
    const pcm = toInterleavedFloat(format, this.planes.buffer, bytes, samples, channels);
    const pts = f.pts === AV_NOPTS_VALUE ? (this.nextPts ?? NaN) : Number(f.pts);
    this.nextPts = pts + (samples * 90000) / sampleRate;
    this.consecutiveErrors = 0;
    this.blocksOut++;
    return { pcm, sampleRate, channels, samples, pts90k: pts, layoutMask: f.layoutMask };
  }
}
