/**
 * The few fields of FFmpeg 5.1's AVFrame and AVPacket the decoder reads and writes, at their
 * offsets on LP64 Linux (x86-64, arm64), in one place. FFmpeg 5.1 has no accessors for them.
 * Structs are copied between native and JS memory whole (libav.ts `copyIn`/`copyOut`) and read
 * with a DataView: no external ArrayBuffer ever points into libav's memory.
 */
import { AV_CHANNEL_ORDER_NATIVE, AV_NOPTS_VALUE, type Libav, type Ptr } from "./libav.js";

/** Byte offsets in FFmpeg 5.1 structs on LP64 (gcc offsetof; pinned by libav-layout.test.ts against gcc). */
export const LAYOUT = {
  frame: {
    data: 0, // uint8_t *data[8]
    linesize: 64, // int linesize[8]
    extendedData: 96, // uint8_t **extended_data
    nbSamples: 112,
    format: 116,
    pts: 136, // int64_t
    sampleRate: 208,
    chLayout: 448, // AVChannelLayout { int order; int nb_channels; uint64_t mask; void *opaque }
    size: 472,
  },
  packet: { buf: 0, pts: 8, dts: 16, data: 24, size: 32, bytes: 104 },
  chLayout: { order: 0, nbChannels: 4, mask: 8 },
} as const;

/**
 * The fields we use of one AVFrame: `load()` copies the struct's head into JS memory once per
 * decoded frame, the getters read that copy.
 */
export class FrameFields {
  private readonly bytes = new Uint8Array(LAYOUT.frame.size);
  private readonly dv = new DataView(this.bytes.buffer);

  constructor(
    private readonly lib: Libav,
    readonly ptr: Ptr,
  ) {}

  load(): this {
    this.lib.copyOut(this.bytes, this.ptr);
    return this;
  }

  get nbSamples(): number {
    return this.dv.getInt32(LAYOUT.frame.nbSamples, true);
  }
  get format(): number {
    return this.dv.getInt32(LAYOUT.frame.format, true);
  }
  get sampleRate(): number {
    return this.dv.getInt32(LAYOUT.frame.sampleRate, true);
  }
  get channels(): number {
    return this.dv.getInt32(LAYOUT.frame.chLayout + LAYOUT.chLayout.nbChannels, true);
  }
  /** The native channel mask, or null when the layout is not in native order. */
  get layoutMask(): bigint | null {
    const base = LAYOUT.frame.chLayout;
    if (this.dv.getInt32(base + LAYOUT.chLayout.order, true) !== AV_CHANNEL_ORDER_NATIVE) return null;
    return this.dv.getBigUint64(base + LAYOUT.chLayout.mask, true);
  }
  get pts(): bigint {
    return this.dv.getBigInt64(LAYOUT.frame.pts, true);
  }
  /** The address of data[] inside the frame: where extended_data points for <= 8 channels. */
  get dataArray(): Ptr {
    return this.ptr + BigInt(LAYOUT.frame.data);
  }
  get extendedData(): Ptr {
    return this.dv.getBigUint64(LAYOUT.frame.extendedData, true);
  }
  /** data[i], i < 8: every plane when extended_data === dataArray (callers check). */
  plane(i: number): Ptr {
    return this.dv.getBigUint64(LAYOUT.frame.data + 8 * i, true);
  }
  linesize(i: number): number {
    return this.dv.getInt32(LAYOUT.frame.linesize + 4 * i, true);
  }
}

/**
 * The fields we read and write of one AVPacket, through a JS copy of the struct. We use the
 * packet non-refcounted: `buf` stays NULL, `data` points at memory we own.
 */
export class PacketFields {
  private readonly bytes = new Uint8Array(LAYOUT.packet.bytes);
  private readonly dv = new DataView(this.bytes.buffer);
  /** pts, dts, data, size: one contiguous run of the struct, written in one copy. */
  private readonly head = this.bytes.subarray(LAYOUT.packet.pts, LAYOUT.packet.size + 4);

  constructor(
    private readonly lib: Libav,
    readonly ptr: Ptr,
  ) {}

  load(): this {
    this.lib.copyOut(this.bytes, this.ptr);
    return this;
  }

  get buf(): Ptr {
    return this.dv.getBigUint64(LAYOUT.packet.buf, true);
  }
  get data(): Ptr {
    return this.dv.getBigUint64(LAYOUT.packet.data, true);
  }
  get size(): number {
    return this.dv.getInt32(LAYOUT.packet.size, true);
  }
  get pts(): bigint {
    return this.dv.getBigInt64(LAYOUT.packet.pts, true);
  }
  get dts(): bigint {
    return this.dv.getBigInt64(LAYOUT.packet.dts, true);
  }

  /**
   * Points the packet at bytes we own. libavcodec copies a packet without `buf` on
   * avcodec_send_packet, so the memory may be reused as soon as that call returns.
   */
  set(data: Ptr, size: number, pts: bigint): void {
    this.dv.setBigInt64(LAYOUT.packet.pts, pts, true);
    this.dv.setBigInt64(LAYOUT.packet.dts, pts, true);
    this.dv.setBigUint64(LAYOUT.packet.data, data, true);
    this.dv.setInt32(LAYOUT.packet.size, size, true);
    this.lib.copyIn(this.ptr + BigInt(LAYOUT.packet.pts), this.head);
  }
}

/** The packet fields at their offsets: defaults after av_packet_alloc, then a refcounted packet. */
export function packetLayoutProblem(lib: Libav): string | null {
  const pkt = lib.packetAlloc();
  if (pkt === 0n) return "av_packet_alloc failed";
  try {
    const f = new PacketFields(lib, pkt).load();
    if (
      f.pts !== AV_NOPTS_VALUE ||
      f.dts !== AV_NOPTS_VALUE ||
      f.data !== 0n ||
      f.size !== 0 ||
      f.buf !== 0n
    ) {
      return "AVPacket fields are not where FFmpeg 5.1 puts them (fresh packet)";
    }
    if (lib.newPacket(pkt, 1234) < 0) return "av_new_packet failed";
    f.load();
    const [size, data, buf] = [f.size as number, f.data, f.buf];
    const ok = size === 1234 && data !== 0n && buf !== 0n;
    lib.packetUnref(pkt);
    return ok ? null : "AVPacket data/size/buf are not where FFmpeg 5.1 puts them";
  } finally {
    lib.packetFree(pkt);
  }
}
