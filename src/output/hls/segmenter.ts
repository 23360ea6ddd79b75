/**
 * Cuts one variant's encoded frames into segments on a grid shared by every
 * variant, so the same media sequence covers the same audio everywhere.
 *
 * With L = segmentSec × sampleRate (rounded to whole samples) and F the frame
 * size, segment k covers the frames whose pos is in [B(k), B(k+1)) where
 * B(k) = ceil(k·L / F)·F: the first frame-grid position at or after k·L (the grid
 * origin is program pos 0). AAC variants (F = 1024) therefore have identical
 * sample spans; an MP3 variant (F = 1152) is cut on its own grid, so its segment k
 * starts within one MP3 frame (24 ms at 48 kHz) of the AAC segment k.
 *
 * A segment is closed when the first frame of the next one arrives; until then it
 * is "open". When the encoder restarts, it re-sends frames from a pos at or
 * before its last one: the open segment drops what the new encoder replaces. The
 * restart anchor asks the new encoder to start at the open segment's first frame,
 * so the segment is re-encoded whole.
 */
import type { EncodedFrame, EncodedStream } from "../../types/index.js";

export interface Segment {
  /** Grid index of this run (pos 0 = segment 0). */
  k: number;
  frames: EncodedFrame[];
  /** pos of the first frame. */
  startPos: number;
  /** pos just after the last frame. */
  endPos: number;
  durationSec: number;
}

export interface SegmenterHandlers {
  segment(seg: Segment): void;
  /** The encoder restarted; `k` is the segment that contains the break. */
  restart(info: { k: number; pos: number; reason: string }): void;
}

/** Samples per segment: the nominal length in whole samples. */
export function segmentSamples(segmentSec: number, sampleRate: number): number {
  return Math.round(segmentSec * sampleRate);
}

/** B(k): first frame-grid pos at or after k·L. */
export function segmentBoundary(k: number, l: number, f: number): number {
  return Math.ceil((k * l) / f) * f;
}

/** The k with B(k) ≤ pos < B(k+1). B(k) ≤ p ⟺ k·L ≤ p for p on the grid. */
export function segmentIndexOf(pos: number, l: number, f: number): number {
  return Math.floor((Math.floor(pos / f) * f) / l);
}

/** Longest possible segment in samples: ceil(L/F)·F (ceil(a+b) − ceil(a) ≤ ceil(b)). */
export function maxSegmentSamplesOf(l: number, f: number): number {
  return Math.ceil(l / f) * f;
}

interface Open {
  k: number;
  frames: EncodedFrame[];
}

export class Segmenter {
  private readonly l: number;
  private open: Open | null = null;
  /** Frames before this pos are already segmented (or replaced): drop them. */
  private acceptFrom = -Infinity;
  private closedEnd = -Infinity;
  private dropped = 0;
  /** Frame size seen last (1024 until a frame says otherwise), to place a restart on the grid. */
  private frameSamples = 1024;

  constructor(
    private readonly sampleRate: number,
    segmentSec: number,
    private readonly handlers: SegmenterHandlers,
  ) {
    this.l = segmentSamples(segmentSec, sampleRate);
  }

  /** Frames dropped as duplicates of what we already had. */
  get droppedFrames(): number {
    return this.dropped;
  }

  /** pos of the open segment's first frame: where a restarted encoder should begin. */
  openStartPos(): number | null {
    return this.open?.frames[0]?.pos ?? null;
  }

  /** Wires the stream's events and restart anchor; returns the detach function. */
  attach(stream: EncodedStream): () => void {
    const onFrame = (f: EncodedFrame) => this.push(f);
    const onRestart = (i: { pos: number; reason: string }) => this.restart(i.pos, i.reason);
    stream.on("frame", onFrame);
    stream.on("restart", onRestart);
    let attached = true;
    stream.addRestartAnchor(() => (attached ? this.openStartPos() : null));
    return () => {
      attached = false;
      stream.off("frame", onFrame);
      stream.off("restart", onRestart);
    };
  }

  push(f: EncodedFrame): void {
    if (f.pos < this.acceptFrom) {
      this.dropped++;
      return;
    }
    const k = segmentIndexOf(f.pos, this.l, f.samples);
    if (this.open && this.open.k !== k) this.close();
    if (!this.open) this.open = { k, frames: [] };
    this.open.frames.push(f);
    this.frameSamples = f.samples;
    this.acceptFrom = f.pos + f.samples;
  }

  /** The new encoder's frames start at `pos`; what is closed stays closed. */
  restart(pos: number, reason = ""): void {
    const cut = Math.max(pos, this.closedEnd);
    if (this.open) {
      this.open.frames = this.open.frames.filter((f) => f.pos < cut);
      if (this.open.frames.length === 0) this.open = null;
    }
    this.acceptFrom = cut;
    this.handlers.restart({ k: segmentIndexOf(cut, this.l, this.frameSamples), pos: cut, reason });
  }

  private close(): void {
    const open = this.open;
    this.open = null;
    const first = open?.frames[0];
    const last = open?.frames.at(-1);
    if (!open || !first || !last) return;
    const samples = open.frames.reduce((n, f) => n + f.samples, 0);
    this.closedEnd = last.pos + last.samples;
    this.handlers.segment({
      k: open.k,
      frames: open.frames,
      startPos: first.pos,
      endPos: this.closedEnd,
      durationSec: samples / this.sampleRate,
    });
  }
}
