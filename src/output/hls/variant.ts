/**
 * One variant's pipeline state inside the HLS output: its grid, segmenter, TS muxer, epoch
 * window, bandwidth measurement, and the promise chain that serializes its disk work.
 */
import type { EncodedStream } from "../../types/index.js";
import { AdvertisedBandwidth, BandwidthMeter, estimateBandwidth } from "./bandwidth.js";
import { gridOf, gridSegment, type Grid } from "./epoch-grid.js";
import { EpochWindow } from "./epoch-window.js";
import { segmentName } from "./playlists.js";
import { Segmenter, type Segment } from "./segmenter.js";
import { TsMuxer } from "./ts-muxer.js";

export interface Variant {
  profile: string;
  codec: EncodedStream["codec"];
  grid: Grid;
  segmenter: Segmenter;
  muxer: TsMuxer;
  window: EpochWindow;
  meter: BandwidthMeter;
  advertised: AdvertisedBandwidth;
  /** The name of segment k of this variant (the same on every instance). */
  uriOf: (k: number) => string;
  detach: () => void;
  /** Disk work of this variant, in segment order. */
  chain: Promise<void>;
  pending: number;
  segments: number;
  /** Partial segments (run start, timeline jump) not published. */
  partial: number;
  lastSegmentWallMs: number | null;
}

export interface VariantOptions {
  channel: string;
  stream: EncodedStream;
  segmentSec: number;
  windowSegments: number;
  targetDuration: number;
  /** Called with the variant, from inside the stream's frame callback. */
  onSegment: (v: Variant, seg: Segment) => void;
  onRestart: (v: Variant, info: { pos: number; reason: string }) => void;
}

/** Builds the variant and attaches it to its stream (frames, restarts, restart anchor). */
export function createVariant(o: VariantOptions): Variant {
  const { stream } = o;
  const rate = stream.format.sampleRate;
  const grid = gridOf(o.segmentSec, rate, stream.codec);
  const est = estimateBandwidth({
    codec: stream.codec,
    bitrate: stream.bitrate,
    sampleRate: rate,
    segmentSec: o.segmentSec,
  });
  const uriOf = (k: number) =>
    segmentName({
      channel: o.channel,
      codec: stream.codec,
      profile: stream.profile,
      segmentSec: o.segmentSec,
      sequence: k,
      pdtMs: gridSegment(grid, k).pdtMs,
    });
  const v: Variant = {
    profile: stream.profile,
    codec: stream.codec,
    grid,
    segmenter: new Segmenter(grid, {
      segment: (seg) => o.onSegment(v, seg),
      restart: (i) => o.onRestart(v, i),
    }),
    muxer: new TsMuxer({ codec: stream.codec, sampleRate: rate }),
    window: new EpochWindow(grid, o.windowSegments, uriOf),
    meter: new BandwidthMeter(o.targetDuration),
    advertised: new AdvertisedBandwidth(est),
    uriOf,
    detach: () => undefined,
    chain: Promise.resolve(),
    pending: 0,
    segments: 0,
    partial: 0,
    lastSegmentWallMs: null,
  };
  v.detach = v.segmenter.attach(stream);
  return v;
}
