/**
 * The contract every elementary-stream header parser follows. Parsers are pure and write into a
 * caller-owned `FrameHeader` so the framer allocates nothing per frame while it searches.
 */
import type { EsCodec } from "./ts-types.js";

export const HEADER_OK = 1;
/** Not enough bytes yet to decide; the bytes seen so far are consistent with a header. */
export const HEADER_NEED_MORE = 0;
export const HEADER_INVALID = -1;
export type HeaderStatus = typeof HEADER_OK | typeof HEADER_NEED_MORE | typeof HEADER_INVALID;

export interface FrameHeader {
  codec: EsCodec;
  /** Frame length in bytes, header included. */
  length: number;
  sampleRate: number;
  channels: number;
  /** Samples per channel. */
  samples: number;
  /** E-AC-3 dependent substream: it belongs to the frame before it, never starts a frame. */
  dependent: boolean;
}

/** Reads the header at `buf[off]`, never past `end`. */
export type HeaderParser = (buf: Uint8Array, off: number, end: number, out: FrameHeader) => HeaderStatus;

export function newHeader(): FrameHeader {
  return { codec: "aac", length: 0, sampleRate: 0, channels: 0, samples: 0, dependent: false };
}

/** Convenience for callers outside the hot path: the header at `off`, or null when invalid/short. */
export function readHeader(parse: HeaderParser, buf: Uint8Array, off = 0): FrameHeader | null {
  const h = newHeader();
  return parse(buf, off, buf.length, h) === HEADER_OK ? h : null;
}
