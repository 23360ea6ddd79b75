/**
 * One variant's pipeline state inside the HLS output: its segmenter, TS muxer,
 * playlist window, bandwidth measurement, and the promise chain that serializes
 * its disk work.
 */
import type { EncodedStream } from "../../types/index.js";
import { AdvertisedBandwidth, BandwidthMeter, estimateBandwidth } from "./bandwidth.js";
import { MediaWindow, type WindowSnapshot } from "./media-window.js";
import { Segmenter, type Segment, type SegmenterHandlers } from "./segmenter.js";
import { TsMuxer } from "./ts-muxer.js";

export interface Variant {
  profile: string;
  codec: EncodedStream["codec"];
  segmenter: Segmenter;
  muxer: TsMuxer;
  window: MediaWindow;
  meter: BandwidthMeter;
  advertised: AdvertisedBandwidth;
  detach: () => void;
  /** Disk work of this variant, in segment order. */
  chain: Promise<void>;
  pending: number;
  /** Grid index of the last segment closed (synchronously, before it is written). */
  lastClosedK: number | null;
  /** A segment of this run was closed: the next one is not the run's first. */
  runStarted: boolean;
  segments: number;
  lastSegmentWallMs: number | null;
}

/** A closed, muxed segment on its way to the disk. */
export interface Closed {
  seg: Segment;
  sequence: number;
  bytes: Buffer;
  pdtMs: number;
  discontinuity: boolean;
}

export interface VariantOptions {
  stream: EncodedStream;
  segmentSec: number;
  windowSegments: number;
  targetDuration: number;
  restored: WindowSnapshot | undefined;
  /** Called with the variant, from inside the stream's event callbacks. */
  onSegment: (v: Variant, seg: Segment) => void;
  onRestart: (v: Variant, info: Parameters<SegmenterHandlers["restart"]>[0]) => void;
}

/** Builds the variant and attaches it to its stream (frames, restarts, restart anchor). */
export function createVariant(o: VariantOptions): Variant {
  const { stream } = o;
  const rate = stream.format.sampleRate;
  const est = estimateBandwidth({
    codec: stream.codec,
    bitrate: stream.bitrate,
    sampleRate: rate,
    segmentSec: o.segmentSec,
  });
  const v: Variant = {
    profile: stream.profile,
    codec: stream.codec,
    segmenter: new Segmenter(rate, o.segmentSec, {
      segment: (seg) => o.onSegment(v, seg),
      restart: (i) => o.onRestart(v, i),
    }),
    muxer: new TsMuxer({ codec: stream.codec, sampleRate: rate }),
    window: new MediaWindow(o.windowSegments, o.restored),
    meter: new BandwidthMeter(o.targetDuration),
    advertised: new AdvertisedBandwidth(est),
    detach: () => undefined,
    chain: Promise.resolve(),
    pending: 0,
    lastClosedK: null,
    runStarted: false,
    segments: 0,
    lastSegmentWallMs: null,
  };
  v.detach = v.segmenter.attach(stream);
  return v;
}
