/**
 * The one FFI file for Debian 12's decode libraries: FFmpeg 5.1's libavutil.so.57 and
 * libswresample.so.4 (loaded at start: memory helpers and the resampler), libavcodec.so.59
 * (bound on first use, for AC-3 / E-AC-3 only: with its ~99 dependent libraries it costs
 * ~14 MiB RSS), and the AAC and MPEG audio decoders, libfaad2 (faad.ts) and libmpg123
 * (mpg123.ts). Everything else talks to them through the typed `Libav` object built here.
 *
 * Threading rule: every call is synchronous and runs on the main thread. Audio decoders and
 * swresample are single-threaded here (libavcodec's `threads` is pinned to 1), one frame
 * decodes in tens of microseconds, so nothing is worth a pool thread, and no native object is
 * ever touched by two threads.
 *
 * Struct fields: FFmpeg 5.1 has no accessors for AVFrame/AVPacket fields; the few we need are
 * read and written at the offsets of libav-structs.ts, through `copyIn`/`copyOut` (no views on
 * native memory). They are only trusted after a self-check (libav-check.ts); a library of
 * another major version is refused before any field is read.
 */
import koffi from "koffi";
import { bindFaad, FAAD_SONAME, type Faad } from "./faad.js";
import { bindMpg123, MPG123_SONAME, type Mpg123 } from "./mpg123.js";
import { LibavUnavailable, openLibrary, toPtr, type NativeLib, type Ptr } from "./native-lib.js";

export { LibavUnavailable, type Ptr };

export const SONAMES = {
  avutil: "libavutil.so.57",
  avcodec: "libavcodec.so.59",
  swresample: "libswresample.so.4",
  faad: FAAD_SONAME,
  mpg123: MPG123_SONAME,
} as const;

export type Sonames = Record<keyof typeof SONAMES, string>;

/** The Debian 12 packages that ship FFmpeg's. */
const PACKAGES = { avutil: "libavutil57", avcodec: "libavcodec59", swresample: "libswresample4" } as const;

/** Majors whose struct layout libav-structs.ts describes. */
const MAJORS = { avutil: 57, avcodec: 59, swresample: 4 } as const;
type LavKey = keyof typeof MAJORS;

/** enum AVSampleFormat */
export const AV_SAMPLE_FMT = {
  U8: 0,
  S16: 1,
  S32: 2,
  FLT: 3,
  DBL: 4,
  U8P: 5,
  S16P: 6,
  S32P: 7,
  FLTP: 8,
  DBLP: 9,
} as const;

export const AV_CHANNEL_ORDER_NATIVE = 1;
export const AV_NOPTS_VALUE = -(1n << 63n);
export const AV_INPUT_BUFFER_PADDING_SIZE = 64;
export const AVERROR_EAGAIN = -11;
/** FFERRTAG('E','O','F',' ') */
export const AVERROR_EOF = -0x20464f45;
const AV_LOG_QUIET = -8;

/** An AVChannelLayout as koffi marshals it (the union's first member, the mask). */
export interface ChannelLayout {
  order: number;
  nb_channels: number;
  mask: bigint | number;
  opaque: null;
}

export interface Libav {
  /** avcodec is null until libavcodec is loaded (`loadCodec`). */
  readonly versions: { avutil: string; avcodec: string | null; swresample: string; faad: string };
  readonly faad: Faad;
  readonly mpg123: Mpg123;
  /**
   * Loads and checks libavcodec once (AC-3 / E-AC-3 need it); null, or why it cannot be used.
   * Every libavcodec function below loads it too, and throws LibavUnavailable when it cannot.
   */
  loadCodec(): string | null;
  strerror(code: number): string;
  malloc(bytes: number): Ptr;
  free(p: Ptr): void;
  /** Copies `src.byteLength` bytes from JS memory to native memory at `dst`. */
  copyIn(dst: Ptr, src: Uint8Array): void;
  /** Copies `dst.byteLength` bytes from native memory at `src` into JS memory. */
  copyOut(dst: Uint8Array, src: Ptr): void;
  findDecoder(name: string): Ptr;
  /** A codec context for `codec`, opened with the options (AVOption name → string value). */
  openDecoder(codec: Ptr, options: Record<string, string>): Ptr | { error: number; op: string };
  freeContext(ctx: Ptr): void;
  /** avcodec_send_packet; `pkt` 0n drains. */
  sendPacket(ctx: Ptr, pkt: Ptr): number;
  receiveFrame(ctx: Ptr, frame: Ptr): number;
  flushBuffers(ctx: Ptr): void;
  packetAlloc(): Ptr;
  packetFree(pkt: Ptr): void;
  newPacket(pkt: Ptr, size: number): number;
  packetUnref(pkt: Ptr): void;
  frameAlloc(): Ptr;
  frameFree(frame: Ptr): void;
  frameUnref(frame: Ptr): void;
  defaultLayout(channels: number): ChannelLayout;
  /** swr_alloc_set_opts2 + swr_init, packed float in and out. */
  swrOpen(
    inRate: number,
    inLayout: ChannelLayout,
    outRate: number,
    outLayout: ChannelLayout,
  ): Ptr | { error: number; op: string };
  swrFree(swr: Ptr): void;
  /** swr_convert with one plane each way (packed formats); `inPlane` 0n flushes. */
  swrConvert(swr: Ptr, outPlane: Ptr, outCount: number, inPlane: Ptr, inCount: number): number;
  swrDelay(swr: Ptr, base: number): number;
  swrOutSamples(swr: Ptr, inCount: number): number;
  /** av_opt_get_int on any AVOptions-enabled object (search children too). */
  optInt(obj: Ptr, name: string): number | null;
}

const versionText = (v: number) => `${v >> 16}.${(v >> 8) & 0xff}.${v & 0xff}`;

/**
 * Loads libavutil, libswresample, libfaad2 and libmpg123 by soname and binds them; libavcodec
 * is bound on first use. Throws LibavUnavailable with a clear reason when a library is missing
 * or of a major whose layout we do not know.
 */
export function bindLibav(sonames: Sonames = SONAMES): Libav {
  const open = (which: LavKey) => openLibrary(sonames[which], PACKAGES[which]);
  const util = open("avutil");
  const swr = open("swresample");
  const versions = {
    avutil: util.func("unsigned int avutil_version(void)")() as number,
    swresample: swr.func("unsigned int swresample_version(void)")() as number,
  };
  const problem = majorProblem(versions);
  if (problem) throw new LibavUnavailable(problem);
  const faad = bindFaad(sonames.faad);
  const mpg123 = bindMpg123(sonames.mpg123);
  let codec: NativeLib | string | null = null;
  const loadCodec = (): NativeLib | string => {
    if (codec !== null) return codec;
    try {
      const lib = open("avcodec");
      const v = lib.func("unsigned int avcodec_version(void)")() as number;
      codec = majorProblem({ avcodec: v }) ?? lib;
      if (typeof codec !== "string") bound.versions.avcodec = versionText(v);
    } catch (e) {
      codec = e instanceof LibavUnavailable ? e.reason : String(e);
    }
    return codec;
  };
  const bound = bindFunctions(util, loadCodec, swr, {
    avutil: versionText(versions.avutil),
    avcodec: null,
    swresample: versionText(versions.swresample),
    faad: faad.version,
  });
  return Object.assign(bound, { faad, mpg123 });
}

/** Why these library versions cannot be used (a major whose layout we don't know), or null. */
export function majorProblem(versions: Partial<Record<LavKey, number>>): string | null {
  for (const k of Object.keys(MAJORS) as LavKey[]) {
    const v = versions[k];
    if (v !== undefined && v >> 16 !== MAJORS[k]) {
      return `lib${k} is version ${versionText(v)}; struct offsets are known for major ${MAJORS[k]} (FFmpeg 5.1) only`;
    }
  }
  return null;
}

let typesRegistered = false;
/** koffi type names are process-wide: register ours once, however often we bind. */
function registerTypes(): void {
  if (typesRegistered) return;
  koffi.struct("antenne_AVChannelLayout", {
    order: "int",
    nb_channels: "int",
    mask: "uint64_t",
    opaque: "void *",
  });
  typesRegistered = true;
}

/** libavcodec's functions, bound once it is loaded. */
function bindCodec(codec: NativeLib) {
  const c = (decl: string) => codec.func(decl);
  return {
    avcodec_find_decoder_by_name: c("void *avcodec_find_decoder_by_name(const char *name)"),
    avcodec_alloc_context3: c("void *avcodec_alloc_context3(void *codec)"),
    avcodec_open2: c("int avcodec_open2(void *ctx, void *codec, void *options)"),
    avcodec_free_context: c("void avcodec_free_context(void *pctx)"),
    avcodec_send_packet: c("int avcodec_send_packet(void *ctx, void *pkt)"),
    avcodec_receive_frame: c("int avcodec_receive_frame(void *ctx, void *frame)"),
    avcodec_flush_buffers: c("void avcodec_flush_buffers(void *ctx)"),
    av_packet_alloc: c("void *av_packet_alloc(void)"),
    av_packet_free: c("void av_packet_free(void *ppkt)"),
    av_new_packet: c("int av_new_packet(void *pkt, int size)"),
    av_packet_unref: c("void av_packet_unref(void *pkt)"),
  };
}

function bindFunctions(
  util: NativeLib,
  loadCodec: () => NativeLib | string,
  swr: NativeLib,
  versions: { -readonly [K in keyof Libav["versions"]]: Libav["versions"][K] },
): Omit<Libav, "faad" | "mpg123"> {
  registerTypes();
  const u = (decl: string) => util.func(decl);
  let codecFns: ReturnType<typeof bindCodec> | null = null;
  const cf = (): ReturnType<typeof bindCodec> => {
    if (codecFns) return codecFns;
    const lib = loadCodec();
    if (typeof lib === "string") throw new LibavUnavailable(lib);
    return (codecFns = bindCodec(lib));
  };
  const s = (decl: string) => swr.func(decl);
  const av_log_set_level = u("void av_log_set_level(int level)");
  const av_strerror = u("int av_strerror(int errnum, _Out_ uint8_t *buf, size_t size)");
  const av_malloc = u("void *av_malloc(size_t size)");
  const av_free = u("void av_free(void *p)");
  // memcpy, from libavutil itself: one line of `bytewidth` bytes. koffi hands a JS buffer's
  // own memory to the call (no staging copy), so no external ArrayBuffer views are ever made.
  const av_image_copy_plane = u(
    "void av_image_copy_plane(void *dst, int dst_linesize, const void *src, int src_linesize, int bytewidth, int height)",
  );
  const av_frame_alloc = u("void *av_frame_alloc(void)");
  const av_frame_free = u("void av_frame_free(void *pframe)");
  const av_frame_unref = u("void av_frame_unref(void *frame)");
  const av_opt_set = u("int av_opt_set(void *obj, const char *name, const char *val, int flags)");
  const av_opt_get_int = u("int av_opt_get_int(void *obj, const char *name, int flags, _Out_ int64_t *out)");
  const av_channel_layout_default = u(
    "void av_channel_layout_default(_Out_ antenne_AVChannelLayout *l, int nb_channels)",
  );
  const swr_alloc_set_opts2 = s(
    "int swr_alloc_set_opts2(void *ps, const antenne_AVChannelLayout *out_layout, int out_fmt, int out_rate, " +
      "const antenne_AVChannelLayout *in_layout, int in_fmt, int in_rate, int log_offset, void *log_ctx)",
  );
  const swr_init = s("int swr_init(void *s)");
  const swr_free = s("void swr_free(void *ps)");
  const swr_convert = s("int swr_convert(void *s, void *out, int out_count, void *in, int in_count)");
  const swr_get_delay = s("int64_t swr_get_delay(void *s, int64_t base)");
  const swr_get_out_samples = s("int swr_get_out_samples(void *s, int in_samples)");

  // libav logs decode errors on stderr; we return and count them instead (process-wide setting).
  av_log_set_level(AV_LOG_QUIET);

  // Scratch memory: only touched by synchronous calls on the main thread.
  const errBuf = Buffer.alloc(256);
  const slot = Buffer.alloc(8); // a T** argument
  const slot2 = Buffer.alloc(8);
  const viaSlot = (fn: (p: Buffer) => unknown, p: Ptr): void => {
    slot.writeBigUInt64LE(BigInt.asUintN(64, p));
    fn(slot);
  };

  const strerror = (code: number): string => {
    errBuf.fill(0);
    if ((av_strerror(code, errBuf, errBuf.length) as number) < 0) return `libav error ${code}`;
    const nul = errBuf.indexOf(0);
    return errBuf.subarray(0, nul < 0 ? errBuf.length : nul).toString("utf8");
  };

  return {
    versions,
    loadCodec() {
      try {
        cf();
        return null;
      } catch (e) {
        return e instanceof LibavUnavailable ? e.reason : String(e);
      }
    },
    strerror,
    malloc: (bytes) => toPtr(av_malloc(bytes)),
    free: (p) => void av_free(p),
    copyIn(dst, src) {
      if (src.byteLength > 0)
        av_image_copy_plane(dst, src.byteLength, src, src.byteLength, src.byteLength, 1);
    },
    copyOut(dst, src) {
      if (dst.byteLength > 0)
        av_image_copy_plane(dst, dst.byteLength, src, dst.byteLength, dst.byteLength, 1);
    },
    findDecoder: (name) => toPtr(cf().avcodec_find_decoder_by_name(name)),
    openDecoder(codecPtr, options) {
      const { avcodec_alloc_context3, avcodec_free_context, avcodec_open2 } = cf();
      const ctx = toPtr(avcodec_alloc_context3(codecPtr));
      if (ctx === 0n) return { error: -12, op: "avcodec_alloc_context3" };
      for (const [k, v] of Object.entries(options)) {
        const rc = av_opt_set(ctx, k, v, 0) as number;
        if (rc < 0) {
          viaSlot(avcodec_free_context, ctx);
          return { error: rc, op: `av_opt_set(${k}=${v})` };
        }
      }
      const rc = avcodec_open2(ctx, codecPtr, null) as number;
      if (rc < 0) {
        viaSlot(avcodec_free_context, ctx);
        return { error: rc, op: "avcodec_open2" };
      }
      return ctx;
    },
    freeContext: (ctx) => viaSlot(cf().avcodec_free_context, ctx),
    sendPacket: (ctx, pkt) => cf().avcodec_send_packet(ctx, pkt === 0n ? null : pkt) as number,
    receiveFrame: (ctx, frame) => cf().avcodec_receive_frame(ctx, frame) as number,
    flushBuffers: (ctx) => void cf().avcodec_flush_buffers(ctx),
    packetAlloc: () => toPtr(cf().av_packet_alloc()),
    packetFree: (pkt) => viaSlot(cf().av_packet_free, pkt),
    newPacket: (pkt, size) => cf().av_new_packet(pkt, size) as number,
    packetUnref: (pkt) => void cf().av_packet_unref(pkt),
    frameAlloc: () => toPtr(av_frame_alloc()),
    frameFree: (frame) => viaSlot(av_frame_free, frame),
    frameUnref: (frame) => void av_frame_unref(frame),
    defaultLayout(channels) {
      const l = {} as ChannelLayout;
      av_channel_layout_default(l, channels);
      return { order: l.order, nb_channels: l.nb_channels, mask: l.mask, opaque: null };
    },
    swrOpen(inRate, inLayout, outRate, outLayout) {
      slot.fill(0);
      const fmt = AV_SAMPLE_FMT.FLT;
      const rc = swr_alloc_set_opts2(slot, outLayout, fmt, outRate, inLayout, fmt, inRate, 0, null) as number;
      const ctx = slot.readBigUInt64LE(0);
      if (rc < 0 || ctx === 0n) return { error: rc < 0 ? rc : -12, op: "swr_alloc_set_opts2" };
      const init = swr_init(ctx) as number;
      if (init < 0) {
        viaSlot(swr_free, ctx);
        return { error: init, op: "swr_init" };
      }
      return ctx;
    },
    swrFree: (ctx) => viaSlot(swr_free, ctx),
    swrConvert(ctx, outPlane, outCount, inPlane, inCount) {
      slot.writeBigUInt64LE(outPlane);
      slot2.writeBigUInt64LE(inPlane);
      return swr_convert(ctx, slot, outCount, inPlane === 0n ? null : slot2, inCount) as number;
    },
    swrDelay: (ctx, base) => Number(swr_get_delay(ctx, base) as bigint | number),
    swrOutSamples: (ctx, inCount) => swr_get_out_samples(ctx, inCount) as number,
    optInt(obj, name) {
      const out: (number | bigint)[] = [0];
      // AV_OPT_SEARCH_CHILDREN (1): codec-private options live on a child object.
      const rc = av_opt_get_int(obj, name, 1, out) as number;
      return rc < 0 ? null : Number(out[0] ?? 0);
    },
  };
}
