/**
 * libmpg123 (Debian 12: libmpg123.so.0, mpg123 1.31) through koffi: the MPEG audio layer
 * I/II/III decoder, in feed mode with Float32 output. Only the calls the frame-by-frame path
 * needs; the out-parameters are Buffers read in place. Every call is synchronous on the main
 * thread (see libav.ts).
 */
import { nativeCopier, openLibrary, toPtr, type NativeLib, type Ptr } from "./native-lib.js";

export const MPG123_SONAME = "libmpg123.so.0";
export const MPG123_PACKAGE = "libmpg123-0";

export const MPG123_OK = 0;
export const MPG123_NEED_MORE = -10;
export const MPG123_NEW_FORMAT = -11;
export const MPG123_DONE = -12;
const MPG123_ADD_FLAGS = 2;
const MPG123_REMOVE_FLAGS = 13;
const MPG123_QUIET = 0x20;
const MPG123_GAPLESS = 0x40;
const MPG123_MONO_STEREO = 3;
export const MPG123_ENC_FLOAT_32 = 0x200;

export interface Mpg123Output {
  rc: number;
  /** Index of the decoded frame since the handle was opened (counting every frame fed). */
  frame: number;
  audio: Ptr;
  bytes: number;
}

export interface Mpg123 {
  /**
   * A feed-mode handle, quiet (errors are returned, not printed), Float32 at any rate, mono or
   * stereo, without gapless trimming (a live stream has no encoder-delay tag to trust); 0n or
   * the error text when it cannot be made.
   */
  open(): Ptr | string;
  feed(h: Ptr, frame: Uint8Array): number;
  /** mpg123_decode_frame: one frame's samples in mpg123's own buffer, valid until the next call. */
  decodeFrame(h: Ptr): Mpg123Output;
  format(h: Ptr): { rate: number; channels: number; encoding: number } | null;
  close(h: Ptr): void;
  strerror(code: number): string;
  /** Copies `dst.length` values from a decoded frame's buffer. */
  copyOut(dst: Float32Array, src: Ptr): void;
}

export function bindMpg123(soname = MPG123_SONAME): Mpg123 {
  return bindFunctions(openLibrary(soname, MPG123_PACKAGE));
}

function bindFunctions(lib: NativeLib): Mpg123 {
  const f = (decl: string) => lib.func(decl);
  const mpg123_new = f("void *mpg123_new(const char *decoder, _Out_ int *error)");
  const mpg123_delete = f("void mpg123_delete(void *mh)");
  const mpg123_param = f("int mpg123_param(void *mh, int type, long value, double fvalue)");
  const mpg123_format_none = f("int mpg123_format_none(void *mh)");
  const mpg123_format2 = f("int mpg123_format2(void *mh, long rate, int channels, int encodings)");
  const mpg123_open_feed = f("int mpg123_open_feed(void *mh)");
  const mpg123_feed = f("int mpg123_feed(void *mh, const uint8_t *in, size_t size)");
  // off_t is 64 bits on amd64: the plain symbol is the 64-bit one.
  const mpg123_decode_frame = f(
    "int mpg123_decode_frame(void *mh, uint8_t *num, uint8_t *audio, uint8_t *bytes)",
  );
  const mpg123_getformat = f(
    "int mpg123_getformat(void *mh, _Out_ long *rate, _Out_ int *channels, _Out_ int *encoding)",
  );
  const mpg123_plain_strerror = f("const char *mpg123_plain_strerror(int errcode)");

  const num = Buffer.alloc(8);
  const audio = Buffer.alloc(8);
  const bytes = Buffer.alloc(8);
  const strerror = (code: number) => (mpg123_plain_strerror(code) as string | null) ?? `mpg123 error ${code}`;

  return {
    open() {
      const err: number[] = [0];
      const h = toPtr(mpg123_new(null, err));
      if (h === 0n) return `mpg123_new: ${strerror(err[0] ?? -1)}`;
      const steps: [string, number][] = [
        ["quiet", mpg123_param(h, MPG123_ADD_FLAGS, MPG123_QUIET, 0) as number],
        ["no gapless", mpg123_param(h, MPG123_REMOVE_FLAGS, MPG123_GAPLESS, 0) as number],
        ["format_none", mpg123_format_none(h) as number],
        ["float output", mpg123_format2(h, 0, MPG123_MONO_STEREO, MPG123_ENC_FLOAT_32) as number],
        ["open_feed", mpg123_open_feed(h) as number],
      ];
      const failed = steps.find(([, rc]) => rc !== MPG123_OK);
      if (!failed) return h;
      mpg123_delete(h);
      return `mpg123 ${failed[0]}: ${strerror(failed[1])}`;
    },
    feed: (h, frame) => mpg123_feed(h, frame, frame.byteLength) as number,
    decodeFrame(h) {
      num.fill(0);
      audio.fill(0);
      bytes.fill(0);
      const rc = mpg123_decode_frame(h, num, audio, bytes) as number;
      return {
        rc,
        frame: Number(num.readBigInt64LE(0)),
        audio: audio.readBigUInt64LE(0),
        bytes: Number(bytes.readBigUInt64LE(0)),
      };
    },
    format(h) {
      const rate: number[] = [0];
      const channels: number[] = [0];
      const encoding: number[] = [0];
      if ((mpg123_getformat(h, rate, channels, encoding) as number) !== MPG123_OK) return null;
      return { rate: Number(rate[0]), channels: Number(channels[0]), encoding: Number(encoding[0]) };
    },
    close: (h) => void mpg123_delete(h),
    strerror,
    copyOut: nativeCopier(lib),
  };
}
