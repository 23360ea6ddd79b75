/**
 * AC-3 and E-AC-3 through libavcodec (libav.ts binds it on first use: its ~99 dependent
 * libraries cost the daemon ~14 MiB RSS, so a channel without Dolby inputs never maps them).
 * Threading and struct-offset rules: see libav.ts.
 */
import { MAX_FRAME_BYTES, type CodecEngine, type EngineBlock, type EngineResult } from "./codec-engine.js";
import { isSupportedFormat, planeBytes, planeCount, toInterleavedFloat } from "./interleave.js";
import { FrameFields, PacketFields, packetLayoutProblem } from "./libav-structs.js";
import {
  AVERROR_EAGAIN,
  AVERROR_EOF,
  AV_INPUT_BUFFER_PADDING_SIZE,
  AV_NOPTS_VALUE,
  LibavUnavailable,
  type Libav,
  type Ptr,
} from "./libav.js";

export type LavcCodec = "ac3" | "eac3";

/**
 * Codec context options. `err_detect=crccheck+explode`: the decoders verify the CRCs every
 * AC-3/E-AC-3 frame carries and report a damaged frame as an error instead of concealing it
 * themselves, so every lost frame is counted and concealed the same way by the caller.
 * `threads=1`: no libavcodec threads.
 */
const CONTEXT_OPTIONS = { threads: "1", err_detect: "crccheck+explode", pkt_timebase: "1/90000" };

const checked = new WeakMap<Libav, string | null>();

/** libavcodec loaded, of the right major, its AVPacket where libav-structs.ts says (once per binding). */
function codecProblem(lib: Libav): string | null {
  if (!checked.has(lib)) checked.set(lib, lib.loadCodec() ?? packetLayoutProblem(lib));
  return checked.get(lib) ?? null;
}

export class LavcEngine implements CodecEngine {
  private ctx: Ptr = 0n;
  private readonly codecPtr: Ptr;
  private pkt: PacketFields | null = null;
  private frame: FrameFields | null = null;
  private inPtr: Ptr = 0n;
  /** JS copy of a decoded frame's planes; grows to the largest frame seen, never shrinks. */
  private planes = new Uint8Array(0);

  /** Throws LibavUnavailable when libavcodec cannot be loaded, Error when it has no decoder. */
  constructor(
    private readonly lib: Libav,
    codec: LavcCodec,
  ) {
    const problem = codecProblem(lib);
    if (problem) throw new LibavUnavailable(`libavcodec (${codec}): ${problem}`);
    this.codecPtr = lib.findDecoder(codec);
    if (this.codecPtr === 0n) throw new Error(`libavcodec has no ${codec} decoder`);
    this.allocBuffers();
    const r = lib.openDecoder(this.codecPtr, CONTEXT_OPTIONS);
    if (typeof r !== "bigint") {
      this.close();
      throw new Error(`cannot open the ${codec} decoder: ${r.op}: ${lib.strerror(r.error)}`);
    }
    this.ctx = r;
  }

  decode(data: Uint8Array, pts90k: number): EngineResult {
    if (data.byteLength > MAX_FRAME_BYTES) return { blocks: [], error: `frame of ${data.byteLength} bytes` };
    // libavcodec copies the packet (with zeroed padding) on send: our buffer needs no padding.
    this.lib.copyIn(this.inPtr, data);
    const pts = Number.isFinite(pts90k) ? BigInt(Math.round(pts90k)) : AV_NOPTS_VALUE;
    this.pkt!.set(this.inPtr, data.byteLength, pts);
    const rc = this.lib.sendPacket(this.ctx, this.pkt!.ptr);
    if (rc < 0) return { blocks: [], error: `avcodec_send_packet: ${this.lib.strerror(rc)}` };
    return this.receive();
  }

  flush(): EngineBlock[] {
    const out = this.lib.sendPacket(this.ctx, 0n) < 0 ? [] : this.receive().blocks;
    this.lib.flushBuffers(this.ctx);
    return out;
  }

  close(): void {
    if (this.ctx !== 0n) this.lib.freeContext(this.ctx);
    this.ctx = 0n;
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

  private allocBuffers(): void {
    const pkt = this.lib.packetAlloc();
    const frame = this.lib.frameAlloc();
    const inPtr = this.lib.malloc(MAX_FRAME_BYTES + AV_INPUT_BUFFER_PADDING_SIZE);
    if (pkt === 0n || frame === 0n || inPtr === 0n) {
      if (pkt !== 0n) this.lib.packetFree(pkt);
      if (frame !== 0n) this.lib.frameFree(frame);
      if (inPtr !== 0n) this.lib.free(inPtr);
      throw new Error("out of memory");
    }
    this.pkt = new PacketFields(this.lib, pkt);
    this.frame = new FrameFields(this.lib, frame);
    this.inPtr = inPtr;
  }

  private receive(): EngineResult {
    const blocks: EngineBlock[] = [];
    let error: string | null = null;
    for (;;) {
      const rc = this.lib.receiveFrame(this.ctx, this.frame!.ptr);
      if (rc === AVERROR_EAGAIN || rc === AVERROR_EOF) break;
      if (rc < 0) {
        error = `avcodec_receive_frame: ${this.lib.strerror(rc)}`;
        break;
      }
      const block = this.readFrame(this.frame!.load());
      this.lib.frameUnref(this.frame!.ptr);
      if (typeof block === "string") error = block;
      else blocks.push(block);
    }
    return { blocks, error };
  }

  /** The decoded frame as a block, or why its fields cannot be used. */
  private readFrame(f: FrameFields): EngineBlock | string {
    const samples = f.nbSamples;
    const channels = f.channels;
    const format = f.format;
    const bytes = planeBytes(format, samples, channels);
    const sane =
      samples > 0 &&
      channels >= 1 &&
      channels <= 8 &&
      isSupportedFormat(format) &&
      f.extendedData === f.dataArray && // data[] holds every plane for <= 8 channels
      bytes <= f.linesize(0);
    if (!sane) return `unusable frame: ${samples} samples, ${channels} ch, format ${format}`;
    const count = planeCount(format, channels);
    if (this.planes.length < count * bytes) this.planes = new Uint8Array(count * bytes);
    for (let i = 0; i < count; i++)
      this.lib.copyOut(this.planes.subarray(i * bytes, (i + 1) * bytes), f.plane(i));
    const pcm = toInterleavedFloat(format, this.planes.buffer, bytes, samples, channels);
    const pts = f.pts === AV_NOPTS_VALUE ? NaN : Number(f.pts);
    return { pcm, sampleRate: f.sampleRate, channels, samples, pts90k: pts, layoutMask: f.layoutMask };
  }
}
