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
import { join } from "node:path";
import type { Output, OutputEvents, OutputState } from "../../types/index.js";
import { TypedEmitter } from "../../util/events.js";
import { gridOf, gridSegment, maxSegmentSamples } from "./epoch-grid.js";
import { scanDir, type ScannedDir } from "./dir-scan.js";
import { HealthGate, type Readiness } from "./health-gate.js";
import type { HlsOutputEvents, HlsOutputOptions, HlsProfileStatus, HlsStatus } from "./hls-types.js";
import { OriginStore } from "./origin-store.js";
import {
  codecsOf,
  masterPlaylistName,
  mediaPlaylistName,
  renderMasterPlaylist,
  renderMediaPlaylist,
  targetDurationOf,
} from "./playlists.js";
import { restoreFromDisk } from "./restore.js";
import { Retention } from "./retention.js";
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
  private readonly local: LocalDiskStore;
  private readonly origin: OriginStore | null;
  private readonly retention = new Retention();
  private readonly retentionMs: number;
  private readonly targetDuration: number;
  private readonly initDone: Promise<void>;
  private lastState: OutputState = "starting";
  private sentBytes = 0;
  private masterText: string | null = null;
  private restarts = 0;
  private diskErrors = 0;
  private lastError: string | null = null;
  private failing = false;
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
    this.retentionMs = config.windowSegments * config.segmentSec * 1000;
    this.local = new LocalDiskStore(config.dir);
    this.origin = config.push
      ? new OriginStore({
          ...config.push,
          degradedDelayMs: (config.segmentSec * 1000) / 2,
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
    this.initDone = this.init();
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
      sentBytes: this.sentBytes,
      restarts: this.restarts,
      lastError: this.lastError,
      profiles,
      diskErrors: this.diskErrors,
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
    return this.closed ? "stopped" : this.failing ? "failed" : listed ? "running" : "starting";
  }

  private noteState(): void {
    const state = this.stateNow();
    if (state === this.lastState) return;
    this.lastState = state;
    this.events.emit("state", { state });
  }

  private async init(): Promise<void> {
    const { config, channel } = this.o;
    let scan: ScannedDir = { found: new Map(), strays: [], tmp: [] };
    try {
      await this.local.init();
      scan = await scanDir(
        config.dir,
        channel,
        this.variants.map((v) => ({ ...v, segmentSec: config.segmentSec })),
      );
    } catch (err) {
      this.diskError(err, "scan directory", config.dir);
    }
    for (const name of scan.tmp) await this.local.delete(name).catch(() => undefined);
    const nowMs = this.o.clock.wallMs();
    const relisted = restoreFromDisk(this.variants, scan, this.retention, {
      nowMs,
      windowSegments: config.windowSegments,
      retentionMs: this.retentionMs,
    });
    if (relisted > 0) this.o.log.info({ relisted }, "HLS window rebuilt from the segments on disk");
    // Clients keep playing the previous run's window while the first new segment is made.
    if (this.variants.every((v) => v.window.last !== null)) {
      for (const v of this.variants)
        await this.writeLocal(mediaPlaylistName(channel, v.profile), this.mediaText(v));
      await this.writeMaster(false);
    }
    await this.sweep(nowMs);
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
        this.diskError(
          new Error(`${v.pending} segments waiting for the disk`),
          "queue",
          v.profile,
          "ANTENNE_HLS_QUEUE_FULL",
        );
        return;
      }
      // Judged when the segment closes: what a peer with the studio would also know by then.
      const degraded = this.o.health.degraded() !== null;
      const bytes = v.muxer.muxSegment(seg.frames, seg.k);
      v.pending++;
      v.chain = v.chain
        .then(() => this.initDone)
        .then(() => this.publish(v, seg, bytes, degraded))
        .catch((err: unknown) => this.o.log.error({ err, profile: v.profile }, "HLS publish failed"))
        .finally(() => v.pending--);
    } catch (err) {
      this.o.log.error({ err, profile: v.profile }, "HLS segment could not be muxed");
    }
  }

  private async publish(v: Variant, seg: Segment, bytes: Buffer, degraded: boolean): Promise<void> {
    const name = v.uriOf(seg.k);
    try {
      await this.local.putSegment(name, bytes);
      this.failing = false;
    } catch (err) {
      this.diskError(err, "write segment", name); // not listed: a gap
      return;
    }
    if (degraded) this.gate.markDegraded(name);
    const left = v.window.add(seg.k);
    if (left === null) {
      this.o.log.warn(
        { profile: v.profile, sequence: seg.k },
        "segment not after the window's end: not listed",
      );
      return;
    }
    const nowMs = this.o.clock.wallMs();
    for (const k of left) this.retention.schedule(v.uriOf(k), nowMs + this.retentionMs);
    v.segments++;
    v.lastSegmentWallMs = nowMs;
    v.meter.add(bytes.length, seg.durationSec);
    this.sentBytes += bytes.length;
    const mediaName = mediaPlaylistName(this.o.channel, v.profile);
    const media = this.mediaText(v);
    const listed = await this.writeLocal(mediaName, media);
    const master = await this.writeMaster(v.advertised.update(v.meter, v.segments));
    this.noteState();
    this.events.emit("segment", {
      profile: v.profile,
      sequence: seg.k,
      path: join(this.o.config.dir, name),
      pos: seg.startPos,
      durationSec: seg.durationSec,
      pdtMs: gridSegment(v.grid, seg.k).pdtMs,
      bytes: bytes.length,
    });
    // The origin gets files in the order a client may need them: segment, then what lists it.
    if (this.origin) {
      await this.origin.putSegment(name, bytes, { k: seg.k, degraded });
      if (listed) await this.origin.putPlaylist(mediaName, media, { degraded });
      const masterText = master ?? (v === this.variants[0] ? this.masterText : null);
      if (masterText)
        await this.origin.putPlaylist(masterPlaylistName(this.o.channel), masterText, { degraded });
    }
    await this.sweep(nowMs);
  }

  /** Deletes what aged out, locally and at the origin. */
  private async sweep(nowMs: number): Promise<void> {
    for (const name of this.retention.takeDue(nowMs)) {
      this.gate.forget(name);
      try {
        await this.local.delete(name);
      } catch (err) {
        this.o.log.warn({ err, file: name }, "cannot delete aged-out HLS segment");
      }
      await this.origin?.delete(name);
    }
  }

  private mediaText(v: Variant): string {
    return renderMediaPlaylist({
      targetDuration: this.targetDuration,
      discontinuitySequence: 0,
      entries: v.window.entries(),
    });
  }

  /** Writes the master when it is missing or changed; returns the text written, else null. */
  private async writeMaster(changed: boolean): Promise<string | null> {
    if (this.masterText !== null && !changed) return null;
    const text = renderMasterPlaylist(
      this.variants.map((v) => ({
        uri: mediaPlaylistName(this.o.channel, v.profile),
        bandwidth: v.advertised.bandwidth,
        averageBandwidth: v.advertised.average,
        codecs: codecsOf(v.codec),
      })),
    );
    if (text === this.masterText) return null;
    if (!(await this.writeLocal(masterPlaylistName(this.o.channel), text))) return null;
    this.masterText = text;
    return text;
  }

  private async writeLocal(name: string, text: string): Promise<boolean> {
    try {
      await this.local.putPlaylist(name, text);
      this.failing = false;
      return true;
    } catch (err) {
      this.diskError(err, "write playlist", name);
      return false;
    }
  }

  private diskError(
    err: unknown,
    what: string,
    target: string,
    code: "ANTENNE_HLS_DISK_ERROR" | "ANTENNE_HLS_QUEUE_FULL" = "ANTENNE_HLS_DISK_ERROR",
  ): void {
    this.diskErrors++;
    this.failing = true;
    const errno = (err as NodeJS.ErrnoException).code;
    this.lastError = `${what} ${target}: ${errno ?? (err as Error).message}`;
    this.o.errors.report(code, { output: "hls", err, what, target, errno, diskErrors: this.diskErrors });
    this.noteState();
  }
}
