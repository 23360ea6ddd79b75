/**
 * Cuts one variant's encoded frames into segments on the epoch grid (epoch-grid.ts): segment k
 * holds the frames whose pos lies in [B(k), B(k+1)), the same span on every instance and, for
 * one codec, in every variant.
 *
 * A segment is closed when the first frame of a later one arrives; until then it is "open".
 * Only a whole segment (its frames cover [B(k), B(k+1)) without a hole) may be published: the
 * first one of a run (the program started inside it) and the one a timeline jump left are
 * partial, and a peer instance publishes that sequence whole, so it must not be listed with
 * other content, duration or PDT. The output lists such sequences as gaps.
 *
 * When the encoder restarts it re-sends frames from a pos at or before its last one (the
 * restart anchor asks it to start at the open segment's first frame): the open segment drops
 * what the new run replaces, so it is re-encoded whole. After a jump the new run starts at a
 * later pos: the open segment keeps what it has and will close partial.
 */
import type { EncodedFrame, EncodedStream } from "../../types/index.js";
import { boundary, indexOf, type Grid } from "./epoch-grid.js";

export interface Segment {
  /** Grid index = media sequence. */
  k: number;
  frames: EncodedFrame[];
  /** pos of the first frame. */
  startPos: number;
  /** pos just after the last frame. */
  endPos: number;
  durationSec: number;
  /** Covers [B(k), B(k+1)) with no hole: publishable. */
  whole: boolean;
}

export interface SegmenterHandlers {
  segment(seg: Segment): void;
  /** The encoder restarted; its frames start again at `pos`. */
  restart?(info: { pos: number; reason: string }): void;
}

interface Open {
  k: number;
  frames: EncodedFrame[];
}

export class Segmenter {
  private open: Open | null = null;
  /** Frames before this pos are already segmented (or replaced): drop them. */
  private acceptFrom = -Infinity;
  private closedEnd = -Infinity;
  private dropped = 0;

  constructor(
    private readonly grid: Grid,
    private readonly handlers: SegmenterHandlers,
  ) {}

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
    const k = indexOf(this.grid, f.pos);
    if (this.open && this.open.k !== k) this.close();
    if (!this.open) this.open = { k, frames: [] };
    this.open.frames.push(f);
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
    this.handlers.restart?.({ pos: cut, reason });
  }

  private close(): void {
    const open = this.open;
    this.open = null;
    const first = open?.frames[0];
    const last = open?.frames.at(-1);
    if (!open || !first || !last) return;
    let samples = 0;
    let contiguous = true;
    for (const f of open.frames) {
      if (f.pos !== first.pos + samples) contiguous = false;
      samples += f.samples;
    }
    this.closedEnd = last.pos + last.samples;
    this.handlers.segment({
      k: open.k,
      frames: open.frames,
      startPos: first.pos,
      endPos: this.closedEnd,
      durationSec: samples / this.grid.rate,
      whole:
        contiguous &&
        first.pos === boundary(this.grid, open.k) &&
        this.closedEnd === boundary(this.grid, open.k + 1),
    });
  }
}
