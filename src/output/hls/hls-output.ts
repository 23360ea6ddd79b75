/**
 * The HLS output: epoch-locked segments and playlists (docs/redundancy.md), written to the
 * local directory and optionally pushed to an origin shared with peer instances.
 *
 * Invariants:
 * - segment k of a variant is the same sequence, name, EXTINF, PDT and first PTS on every
 *   instance (epoch-grid.ts); only whole segments are published, the rest are gaps;
 * - the window never moves back and lists gaps where this instance has no segment
 *   (epoch-window.ts); nothing needs a state file: a restart rebuilds it from the names on disk;
 * - per variant, work is serialized on one promise chain: segment file (atomic), then playlist
 *   (atomic), then the origin's queue. A playlist only lists files already in place;
 * - nothing here throws into an encoder's frame callback: disk errors are counted, reported
 *   and the segment becomes a gap.
 */
import type { Output, OutputEvents, OutputState } from "../../types/index.js";
import { TypedEmitter } from "../../util/events.js";
import { gridOf, maxSegmentSamples } from "./epoch-grid.js";
import { HealthGate, type Readiness } from "./health-gate.js";
import type { HlsOutputEvents, HlsOutputOptions, HlsProfileStatus, HlsStatus } from "./hls-types.js";
import { OriginStore } from "./origin-store.js";
import { targetDurationOf } from "./playlists.js";
import { Publisher } from "./publisher.js";
import type { Segment } from "./segmenter.js";
import { LocalDiskStore } from "./segment-store.js";
import { createVariant, type Variant } from "./variant.js";

export type {
  HlsOutputEvents,
  HlsOutputOptions,
  HlsProfileStatus,
  HlsSegmentEvent,
  HlsStatus,
} from "./hls-types.js";

/** Segments waiting for the disk per variant before new ones are dropped (a hung disk must not eat memory). */
const MAX_PENDING = 8;

type Events = HlsOutputEvents & OutputEvents;

export class HlsOutput implements Output {
  readonly id = "hls";
  readonly kind = "hls";
  readonly gate: HealthGate;
  private readonly events: TypedEmitter<Events>;
  private readonly variants: Variant[];
  private readonly origin: OriginStore | null;
  private readonly publisher: Publisher;
  private readonly targetDuration: number;
  private readonly initDone: Promise<void>;
  private lastState: OutputState = "starting";
  private restarts = 0;
  private closed: Promise<void> | null = null;

  constructor(private readonly o: HlsOutputOptions) {
    const { config, streams } = o;
    if (
      streams.length !== config.profiles.length ||
      streams.some((s, i) => s.profile !== config.profiles[i])
    ) {
      throw new Error(
        `HLS streams [${streams.map((s) => s.profile).join(", ")}] do not match outputs.hls.profiles [${config.profiles.join(", ")}]`,
      );
    }
    this.events = new TypedEmitter<Events>(o.log);
    this.origin = config.push
      ? new OriginStore({
          ...config.push,
          // A whole segment: a healthy peer, even a loaded one, lands its copy first.
          degradedDelayMs: config.segmentSec * 1000,
          ...o.pushTuning,
          clock: o.clock,
          log: o.log,
          report: (code, fields) => o.errors.report(code, { output: "hls", ...fields }),
        })
      : null;
    // Constant for the stream's life: from the longest segment any variant's grid can produce.
    this.targetDuration = targetDurationOf(
      Math.max(
        ...streams.map((s) => {
          const g = gridOf(config.segmentSec, s.format.sampleRate, s.codec);
          return maxSegmentSamples(g) / g.rate;
        }),
      ),
    );
    this.variants = streams.map((stream) =>
      createVariant({
        channel: o.channel,
        stream,
        segmentSec: config.segmentSec,
        windowSegments: config.windowSegments,
        targetDuration: this.targetDuration,
        onSegment: (v, seg) => this.onSegment(v, seg),
        onRestart: (v, info) => this.onRestart(v, info),
      }),
    );
    this.gate = new HealthGate({
      healthAware: config.healthAware,
      health: o.health,
      fresh: () => this.fresh(),
    });
    this.publisher = new Publisher({
      ...o,
      variants: this.variants,
      targetDuration: this.targetDuration,
      local: new LocalDiskStore(config.dir),
      origin: this.origin,
      gate: this.gate,
      changed: () => this.noteState(),
      onSegment: (e) => this.events.emit("segment", e),
    });
    this.initDone = this.publisher.init();
  }

  on<K extends keyof Events>(event: K, fn: Events[K]): void {
    this.events.on(event, fn);
  }

  off<K extends keyof Events>(event: K, fn: Events[K]): void {
    this.events.off(event, fn);
  }

  /** Segments are cut as the encoder's frames arrive: nothing to start. */
  start(): void {}

  /** /readyz: a fresh segment in every variant, and (healthAware) the studio on air. */
  ready(): Readiness {
    return this.gate.ready();
  }

  status(): HlsStatus {
    const profiles: Record<string, HlsProfileStatus> = {};
    for (const v of this.variants) {
      profiles[v.profile] = {
        segments: v.segments,
        partialSegments: v.partial,
        lastSegmentWallMs: v.lastSegmentWallMs,
        peakBandwidth: v.meter.peak,
        averageBandwidth: v.meter.average,
      };
    }
    const state = this.stateNow();
    return {
      id: "hls",
      kind: "hls",
      state,
      up: state === "running",
      sentBytes: this.publisher.sentBytes,
      restarts: this.restarts,
      lastError: this.publisher.lastError,
      profiles,
      diskErrors: this.publisher.diskErrors,
      health: this.gate.state(),
      push: this.origin?.stats() ?? null,
    };
  }

  /** Resolves once every closed segment is on disk and listed (and the push queue drained). */
  async idle(): Promise<void> {
    await this.initDone;
    for (const v of this.variants) await v.chain;
    await this.origin?.idle();
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      for (const v of this.variants) v.detach();
      await this.initDone;
      for (const v of this.variants) await v.chain;
      await this.origin?.close();
      this.noteState();
    })();
    return this.closed;
  }

  private fresh(): Readiness {
    const nowMs = this.o.clock.wallMs();
    const limitSec = 2 * this.o.config.segmentSec;
    for (const v of this.variants) {
      if (v.lastSegmentWallMs === null)
        return { ok: false, reason: `no HLS segment yet for profile "${v.profile}"` };
      const ageSec = (nowMs - v.lastSegmentWallMs) / 1000;
      if (ageSec > limitSec)
        return {
          ok: false,
          reason: `last HLS segment of profile "${v.profile}" is ${ageSec.toFixed(1)} s old`,
        };
    }
    return { ok: true };
  }

  private stateNow(): OutputState {
    const listed = this.variants.some((v) => v.segments > 0);
    return this.closed ? "stopped" : this.publisher.failing ? "failed" : listed ? "running" : "starting";
  }

  private noteState(): void {
    const state = this.stateNow();
    if (state === this.lastState) return;
    this.lastState = state;
    this.events.emit("state", { state });
  }

  private onRestart(v: Variant, info: { pos: number; reason: string }): void {
    if (v !== this.variants[0]) return; // one encoder restarts every profile: count it once
    this.restarts++;
    this.o.log.info(
      { pos: info.pos, reason: info.reason },
      "encoder restarted: the open segment is re-encoded",
    );
  }

  /** Runs inside the encoder's frame callback: synchronous, never throws. */
  private onSegment(v: Variant, seg: Segment): void {
    try {
      if (!seg.whole) {
        v.partial++;
        this.o.log.info(
          { profile: v.profile, sequence: seg.k },
          "partial segment not published: listed as a gap",
        );
        return;
      }
      if (v.pending >= MAX_PENDING) {
        this.publisher.diskError(
          new Error(`${v.pending} segments waiting for the disk`),
          "queue",
          v.profile,
          "ANTENNE_HLS_QUEUE_FULL",
        );
        return;
      }
      // Judged when the segment closes: what a peer with the studio would also know by then.
      // Made partly on the safety source (or blank): the peer's copy is preferred, whole.
      const degraded = this.o.health.degradedDuring(seg.startPos, seg.endPos);
      const bytes = v.muxer.muxSegment(seg.frames, seg.k);
      v.pending++;
      v.chain = v.chain
        .then(() => this.initDone)
        .then(() => this.publisher.publish(v, seg, bytes, degraded))
        .catch((err: unknown) => this.o.log.error({ err, profile: v.profile }, "HLS publish failed"))
        .finally(() => v.pending--);
    } catch (err) {
      this.o.log.error({ err, profile: v.profile }, "HLS segment could not be muxed");
    }
  }
}
