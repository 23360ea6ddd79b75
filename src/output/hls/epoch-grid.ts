/**
 * The epoch-locked segment grid: one rule every instance of a channel computes identically, so
 * two transcoders started at any time publish the same segment for the same media sequence
 * (docs/redundancy.md).
 *
 * Program position p counts samples since the Unix epoch at the program rate R (p / R is UTC
 * seconds). With L = round(segmentSec × R) and F the codec's frame size (AAC 1024, MP3 1152):
 *
 *   B(k) = ceil(k·L / F) · F          segment k covers the frames with pos in [B(k), B(k+1))
 *   media sequence      = k
 *   EXTINF              = (B(k+1) − B(k)) / R
 *   PDT (Unix ms)       = B(k) × 1000 / R, rounded half up to the millisecond
 *   <unixTime> (name)   = floor(PDT ms / 1000)
 *   PTS of sample p     = floor(p × 90000 / R) mod 2^33
 *
 * Example, 4 s at 48 kHz with AAC: L/F = 187.5 frames, so boundaries fall on the first frame at
 * or after each multiple of 4 s: even k start exactly on a 4 s mark (k·L/F is whole), odd k start
 * 512 samples (10.67 ms) after theirs; segments alternate 188 frames (4.010667 s, even k) and
 * 187 frames (3.989333 s, odd k). No boundary ever needs a frame split.
 *
 * All arithmetic is exact in doubles: k·L < 2^53 for millennia, and the ×90000 and ×1000
 * products are formed from the quotient and remainder of p by R instead of from p itself
 * (p × 1000 passes 2^53 at 44.1 kHz within decades).
 */
import type { Codec } from "../../types/index.js";

/** 33-bit PTS/PCR wrap (~26.5 h at 90 kHz). */
export const PTS_WRAP = 2 ** 33;

/** Samples per channel in one encoded frame of the codec. */
export function frameSamplesOf(codec: Codec): number {
  return codec === "aac" ? 1024 : 1152;
}

/** One grid: a segment length at a rate, cut on one codec's frames. */
export interface Grid {
  /** Program rate, Hz. */
  rate: number;
  /** Nominal segment length in whole samples (L). */
  l: number;
  /** Frame size (F). */
  f: number;
}

export function gridOf(segmentSec: number, rate: number, codec: Codec): Grid {
  return { rate, l: Math.round(segmentSec * rate), f: frameSamplesOf(codec) };
}

/** B(k): first frame-grid position at or after k·L. */
export function boundary(g: Grid, k: number): number {
  return Math.ceil((k * g.l) / g.f) * g.f;
}

/** The k with B(k) ≤ pos < B(k+1). For a frame-grid pos, B(k) ≤ pos ⟺ k·L ≤ pos. */
export function indexOf(g: Grid, pos: number): number {
  return Math.floor((Math.floor(pos / g.f) * g.f) / g.l);
}

/** Longest segment the grid produces, in samples: ceil(L/F)·F. */
export function maxSegmentSamples(g: Grid): number {
  return Math.ceil(g.l / g.f) * g.f;
}

/** Unix ms of sample `pos`, rounded half up to the millisecond. */
export function pdtMsOf(pos: number, rate: number): number {
  const q = Math.floor(pos / rate);
  const r = pos - q * rate;
  return q * 1000 + Math.floor((r * 1000 + rate / 2) / rate);
}

/** The position the wall clock names at Unix ms `ms` (floor), exact like pdtMsOf. */
export function posOfMs(ms: number, rate: number): number {
  const s = Math.floor(ms / 1000);
  return s * rate + Math.floor(((ms - s * 1000) * rate) / 1000);
}

/** 90 kHz presentation time of sample `pos`: floor(pos × 90000 / rate) mod 2^33. */
export function ptsOf(pos: number, rate: number): number {
  const q = Math.floor(pos / rate);
  const r = pos - q * rate;
  // q × 90000 stays below 2^53 for any date; reduce it before adding the sub-second part.
  return ((((q % PTS_WRAP) * 90_000) % PTS_WRAP) + Math.floor((r * 90_000) / rate)) % PTS_WRAP;
}

/** Everything the playlist says about segment k, from the grid alone. */
export interface GridSegment {
  k: number;
  startPos: number;
  endPos: number;
  durationSec: number;
  pdtMs: number;
  /** Whole second of the PDT: the `<unixTime>` of the segment's name. */
  unixTime: number;
}

export function gridSegment(g: Grid, k: number): GridSegment {
  const startPos = boundary(g, k);
  const endPos = boundary(g, k + 1);
  const pdtMs = pdtMsOf(startPos, g.rate);
  return {
    k,
    startPos,
    endPos,
    durationSec: (endPos - startPos) / g.rate,
    pdtMs,
    unixTime: Math.floor(pdtMs / 1000),
  };
}
