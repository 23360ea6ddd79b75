/**
 * libfaad2 (Debian 12: libfaad.so.2, FAAD2 2.10) through koffi: the AAC decoder. Only the
 * calls the ADTS path needs. NeAACDecFrameInfo is read from a Buffer at the offsets of
 * neaacdec.h on LP64 (unsigned long = 8 bytes), so no struct is marshalled per frame; the
 * self-check (libav-check.ts) decodes a known frame through these offsets before they are
 * trusted. Every call is synchronous on the main thread (see libav.ts).
 */
import { nativeCopier, openLibrary, toPtr, type NativeLib, type Ptr } from "./native-lib.js";

export const FAAD_SONAME = "libfaad.so.2";
export const FAAD_PACKAGE = "libfaad2";

/** NeAACDecFrameInfo (sizeof 104 on LP64). */
const INFO = {
  size: 104,
  bytesconsumed: 0,
  samples: 8,
  channels: 16,
  error: 17,
  samplerate: 24,
  positions: 39,
  ps: 103,
};
/** NeAACDecConfiguration: defObjectType, defSampleRate at 8, then outputFormat, downMatrix … */
const CONFIG = { outputFormat: 16, downMatrix: 17 };
const FAAD_FMT_FLOAT = 4;

export interface FaadFrame {
  /** Interleaved Float32 samples in native memory (all channels), or 0n. */
  buffer: Ptr;
  /** Values in `buffer`: samples per channel × channels. */
  values: number;
  channels: number;
  sampleRate: number;
  /** 0, or faad's error code (see errorMessage). */
  error: number;
  bytesConsumed: number;
  /** faad's channel_position per output channel (FRONT_CHANNEL_CENTER = 1 … LFE_CHANNEL = 9); empty for ≤ 2 channels. */
  positions: number[];
  /** The frame carried parametric stereo (HE-AAC v2). */
  ps: boolean;
}

export interface Faad {
  readonly version: string;
  /** A decoder set to Float32 output in [-1, 1], no downmix; 0n when out of memory. */
  open(): Ptr;
  /** NeAACDecInit on an ADTS frame: the stream's rate and channels, or faad's error text. */
  init(h: Ptr, frame: Uint8Array): { rate: number; channels: number } | string;
  decode(h: Ptr, frame: Uint8Array): FaadFrame;
  close(h: Ptr): void;
  errorMessage(code: number): string;
  /** Copies `dst.length` values from a decoded frame's buffer. */
  copyOut(dst: Float32Array, src: Ptr): void;
}

export function bindFaad(soname = FAAD_SONAME): Faad {
  return bindFunctions(openLibrary(soname, FAAD_PACKAGE));
}

function bindFunctions(lib: NativeLib): Faad {
  const f = (decl: string) => lib.func(decl);
  const NeAACDecOpen = f("void *NeAACDecOpen(void)");
  const NeAACDecClose = f("void NeAACDecClose(void *h)");
  const NeAACDecGetCurrentConfiguration = f("void *NeAACDecGetCurrentConfiguration(void *h)");
  const NeAACDecSetConfiguration = f("uint8_t NeAACDecSetConfiguration(void *h, void *config)");
  const NeAACDecInit = f(
    "long NeAACDecInit(void *h, const uint8_t *buf, unsigned long size, _Out_ unsigned long *rate, _Out_ uint8_t *channels)",
  );
  const NeAACDecDecode = f(
    "void *NeAACDecDecode(void *h, uint8_t *info, const uint8_t *buf, unsigned long size)",
  );
  const NeAACDecGetErrorMessage = f("const char *NeAACDecGetErrorMessage(uint8_t code)");
  const NeAACDecGetVersion = f("int NeAACDecGetVersion(_Out_ const char **id, _Out_ const char **copyright)");
  const copy = nativeCopier(lib);

  const id: (string | null)[] = [null];
  NeAACDecGetVersion(id, [null]);
  const info = Buffer.alloc(INFO.size);
  const config = Buffer.alloc(CONFIG.downMatrix + 1);
  const rate: number[] = [0];
  const channels: number[] = [0];

  return {
    version: id[0] ?? "unknown",
    open() {
      const h = toPtr(NeAACDecOpen());
      if (h === 0n) return 0n;
      // The configuration is faad's own struct: patch the two fields in a copy, hand it back.
      copy(config, toPtr(NeAACDecGetCurrentConfiguration(h)));
      config[CONFIG.outputFormat] = FAAD_FMT_FLOAT;
      config[CONFIG.downMatrix] = 0;
      NeAACDecSetConfiguration(h, config);
      return h;
    },
    init(h, frame) {
      const rc = Number(NeAACDecInit(h, frame, frame.byteLength, rate, channels));
      if (rc < 0) return "NeAACDecInit refused the frame";
      return { rate: Number(rate[0]), channels: Number(channels[0]) };
    },
    decode(h, frame) {
      info.fill(0);
      const buffer = toPtr(NeAACDecDecode(h, info, frame, frame.byteLength));
      const ch = info[INFO.channels]!;
      return {
        buffer,
        values: Number(info.readBigUInt64LE(INFO.samples)),
        channels: ch,
        sampleRate: Number(info.readBigUInt64LE(INFO.samplerate)),
        error: info[INFO.error]!,
        bytesConsumed: Number(info.readBigUInt64LE(INFO.bytesconsumed)),
        positions: ch > 2 ? [...info.subarray(INFO.positions, INFO.positions + Math.min(ch, 64))] : [],
        ps: info[INFO.ps] !== 0,
      };
    },
    close: (h) => void NeAACDecClose(h),
    copyOut: copy,
    errorMessage: (code) => (NeAACDecGetErrorMessage(code) as string | null) ?? `faad error ${code}`,
  };
}
