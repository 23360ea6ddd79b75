/**
 * Loading Debian's shared libraries through koffi, with one clear error when one is missing
 * or unusable: the daemon then keeps its ffmpeg-process decoders (see libav-check.ts).
 */
import koffi from "koffi";

export type Ptr = bigint;
export type NativeLib = ReturnType<typeof koffi.load>;

export class LibavUnavailable extends Error {
  constructor(readonly reason: string) {
    super(`in-process decoding unavailable: ${reason}`);
    this.name = "LibavUnavailable";
  }
}

/** Loads `soname`; throws LibavUnavailable naming the Debian 12 package that ships it. */
export function openLibrary(soname: string, debianPackage: string): NativeLib {
  try {
    return koffi.load(soname);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new LibavUnavailable(`cannot load ${soname} (${why}); Debian 12 ships it in ${debianPackage}`);
  }
}

/** A pointer koffi returned (bigint, number or null) as a bigint; null is 0n. */
export const toPtr = (v: unknown): Ptr => (typeof v === "bigint" ? v : v == null ? 0n : BigInt(v as number));

/**
 * Copies native memory at `src` into a JS typed array (its whole length), through libc's
 * memcpy looked up via `lib`: koffi hands the array's own memory to the call, so no view on
 * native memory is ever made.
 */
export function nativeCopier(lib: NativeLib): (dst: Uint8Array | Float32Array, src: Ptr) => void {
  const memcpy = lib.func("void *memcpy(void *dst, void *src, size_t n)");
  return (dst, src) => {
    if (dst.byteLength > 0) memcpy(dst, src, dst.byteLength);
  };
}
