/**
 * The HLS output: one segmenter + TS muxer per variant, sliding-window media
 * playlists, a master playlist, retention, persisted sequence state and optional push.
 *
 * Invariants:
 * - A segment's sequence is `base + k` with k its grid index (segmenter.ts), so the
 *   same sequence covers the same audio in every variant; `base` makes the first
 *   segment of this run continue the persisted sequence.
 * - A discontinuity is decided per grid index, for all variants at once: when one
 *   variant's encoder restarts inside segment k, the tag goes before the first
 *   index no variant has closed yet (≥ k), since a published segment can't get a
 *   tag afterwards (RFC 8216 §6.2.1). PTS stays continuous (it comes from pos).
 * - Per variant, work is serialized on one promise chain: segment file (atomic),
 *   then playlist (atomic), then state, then push. A playlist only ever lists files
 *   already renamed into place.
 * - Nothing here throws into an encoder's frame callback: disk errors are counted,
 *   logged and retried with the next segment.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Output, OutputEvents, OutputState } from "../../types/index.js";
import { writeAtomic } from "../../util/atomic.js";
import { TypedEmitter } from "../../util/events.js";
import { HLS_STATE_KEY, parseHlsState, restoreWindows, type HlsState } from "./hls-state.js";
import type { HlsOutputEvents, HlsOutputOptions, HlsProfileStatus, HlsStatus } from "./hls-types.js";
import {
  codecsOf,
  masterPlaylistName,
  mediaPlaylistName,
  renderMasterPlaylist,
  renderMediaPlaylist,
  segmentName,
  segmentNamePattern,
  targetDurationOf,
  tmpFilePattern,
} from "./playlists.js";
import { HlsPusher } from "./push.js";
import { Retention } from "./retention.js";
import { maxSegmentSamplesOf, segmentSamples, type Segment } from "./segmenter.js";
import { createVariant, type Closed, type Variant } from "./variant.js";

export type {
  HlsOutputEvents,
  HlsOutputOptions,
  HlsProfileStatus,
  HlsSegmentEvent,
  HlsStatus,
} from "./hls-types.js";

/** Segments waiting for the disk per variant before new ones are dropped (a hung disk must not eat memory). */
const MAX_PENDING = 8;

export class HlsOutput implements Output {
  readonly id = "hls";
  readonly kind = "hls";
  private readonly events: TypedEmitter<HlsOutputEvents & OutputEvents>;
  private lastState: OutputState = "starting";
  private sentBytes = 0;
  private readonly variants: Variant[];
  private readonly now: () => number;
  private readonly dir: string;
  private readonly targetDuration: number;
  private readonly retention: Retention;
  private readonly pusher: HlsPusher | null;
  private readonly hadPreviousRun: boolean;
  private readonly firstSequence: number;
  private readonly discontinuityKs = new Set<number>();
  private readonly initDone: Promise<void>;
  private base: number | null = null;
  private nextSequence: number;
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
    this.now = o.now ?? (() => o.clock.wallMs());
    this.dir = config.dir;
    this.events = new TypedEmitter<HlsOutputEvents & OutputEvents>(o.log);
    const l = segmentSamples(config.segmentSec, streams[0]?.format.sampleRate ?? 48000);
    const maxSec = Math.max(
      ...streams.map((s) => maxSegmentSamplesOf(l, s.codec === "aac" ? 1024 : 1152) / s.format.sampleRate),
    );
    this.targetDuration = targetDurationOf(maxSec);
    const windowMs = config.windowSegments * config.segmentSec * 1000;
    this.retention = new Retention(this.dir, windowMs, o.log);
    this.pusher = config.push
      ? new HlsPusher({ ...o.pushTuning, ...config.push, log: o.log, clock: o.clock })
      : null;

    const prev = this.loadState();
    this.hadPreviousRun = prev !== null;
    this.firstSequence = this.nextSequence = prev?.nextSequence ?? 0;
    const restored = restoreWindows(prev, {
      profiles: config.profiles,
      windowSegments: config.windowSegments,
      exists: (uri) => existsSync(join(this.dir, uri)),
      nowMs: this.now(),
      windowMs,
    });
    this.variants = streams.map((stream) =>
      createVariant({
        stream,
        segmentSec: config.segmentSec,
        windowSegments: config.windowSegments,
        targetDuration: this.targetDuration,
        restored: restored.windows.get(stream.profile),
        onSegment: (v, seg) => this.onSegment(v, seg),
        onRestart: (v, info) => this.onRestart(v, info),
      }),
    );
    this.initDone = this.init(restored.leftNow, windowMs);
  }

  on<K extends keyof (HlsOutputEvents & OutputEvents)>(
    event: K,
    fn: (HlsOutputEvents & OutputEvents)[K],
  ): void {
    this.events.on(event, fn);
  }

  off<K extends keyof (HlsOutputEvents & OutputEvents)>(
    event: K,
    fn: (HlsOutputEvents & OutputEvents)[K],
  ): void {
    this.events.off(event, fn);
  }

  /** Segments are cut as the encoder's frames arrive: nothing to start. */
  start(): void {}

  /** Ready while every variant got a segment within 2 × segmentSec (SPEC §6 /readyz). */
  ready(): { ok: true } | { ok: false; reason: string } {
    const nowMs = this.now();
    const segmentSec = this.o.config.segmentSec;
    for (const v of this.variants) {
      if (v.lastSegmentWallMs === null)
        return { ok: false, reason: `no HLS segment yet for profile "${v.profile}"` };
      const ageSec = (nowMs - v.lastSegmentWallMs) / 1000;
      if (ageSec > 2 * segmentSec)
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

  /** State changes go out as events from where they happen (publish, disk errors, close). */
  private noteState(): void {
    const state = this.stateNow();
    if (state === this.lastState) return;
    this.lastState = state;
    this.events.emit("state", { state });
  }

  status(): HlsStatus {
    const profiles: Record<string, HlsProfileStatus> = {};
    for (const v of this.variants) {
      profiles[v.profile] = {
        segments: v.segments,
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
      push: this.pusher?.stats() ?? null,
    };
  }

  /** Resolves once every closed segment is on disk and listed (and the push queue drained). */
  async idle(): Promise<void> {
    await this.initDone;
    for (const v of this.variants) await v.chain;
    await this.pusher?.idle();
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      for (const v of this.variants) v.detach();
      await this.initDone;
      for (const v of this.variants) await v.chain;
      await this.pusher?.close();
      this.noteState();
    })();
    return this.closed;
  }

  private loadState(): HlsState | null {
    try {
      return parseHlsState(this.o.state.get<unknown>(HLS_STATE_KEY));
    } catch (err) {
      this.o.log.warn({ err }, "HLS state unreadable; starting a new sequence");
      return null;
    }
  }

  private async init(leftNow: ReadonlySet<string>, windowMs: number): Promise<void> {
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (err) {
      this.diskError(err, "create directory", this.dir);
    }
    const listed = new Set<string>();
    for (const v of this.variants) for (const e of v.window.entries) listed.add(e.uri);
    await this.retention.scanStrays(
      {
        pattern: segmentNamePattern(this.o.channel),
        listed,
        leftNow,
        listedForMs: windowMs + this.o.config.segmentSec * 1000,
        tmpPattern: tmpFilePattern(this.o.channel),
      },
      this.now(),
    );
    // Clients keep playing the previous run's window while the first new segment is made.
    if (this.variants.every((v) => v.window.entries.length > 0)) {
      for (const v of this.variants) await this.writePlaylist(v);
      await this.writeMaster(false);
    }
  }

  private onRestart(v: Variant, info: { k: number; pos: number; reason: string }): void {
    const nextOpen = Math.max(...this.variants.map((x) => (x.lastClosedK ?? -Infinity) + 1));
    const k = Math.max(info.k, nextOpen);
    this.discontinuityKs.add(k);
    this.restarts++;
    this.o.log.warn(
      { profile: v.profile, pos: info.pos, reason: info.reason, sequence: this.sequenceOf(k) },
      "encoder restarted: HLS discontinuity",
    );
  }

  private sequenceOf(k: number): number | null {
    return this.base === null ? null : this.base + k;
  }

  /** Runs inside the encoder's frame callback: synchronous, never throws. */
  private onSegment(v: Variant, seg: Segment): void {
    try {
      this.base ??= this.firstSequence - seg.k;
      const sequence = this.base + seg.k;
      if (sequence < this.firstSequence || (v.lastClosedK !== null && seg.k <= v.lastClosedK)) {
        this.o.log.warn({ profile: v.profile, k: seg.k }, "segment before this run's first sequence dropped");
        return;
      }
      v.lastClosedK = seg.k;
      const discontinuity = this.discontinuityKs.has(seg.k) || (!v.runStarted && this.hadPreviousRun);
      v.runStarted = true;
      this.pruneDiscontinuities();
      this.nextSequence = Math.max(this.nextSequence, sequence + 1);
      const closed: Closed = {
        seg,
        sequence,
        discontinuity,
        bytes: v.muxer.muxSegment(seg.frames, discontinuity),
        pdtMs: this.o.timeline.wallMsOf(seg.startPos),
      };
      if (v.pending >= MAX_PENDING) {
        this.diskError(
          new Error(`${v.pending} segments waiting for the disk`),
          "queue",
          v.profile,
          "ANTENNE_HLS_QUEUE_FULL",
        );
        return;
      }
      v.pending++;
      v.chain = v.chain
        .then(() => this.initDone)
        .then(() => this.publish(v, closed))
        .catch((err: unknown) => this.o.log.error({ err, profile: v.profile }, "HLS publish failed"))
        .finally(() => v.pending--);
    } catch (err) {
      this.o.log.error({ err, profile: v.profile }, "HLS segment could not be muxed");
    }
  }

  private pruneDiscontinuities(): void {
    const min = Math.min(...this.variants.map((x) => x.lastClosedK ?? -Infinity));
    for (const k of this.discontinuityKs) if (k < min) this.discontinuityKs.delete(k);
  }

  private async publish(v: Variant, c: Closed): Promise<void> {
    const { channel, config } = this.o;
    const name = segmentName({
      channel,
      codec: v.codec,
      profile: v.profile,
      segmentSec: config.segmentSec,
      sequence: c.sequence,
      pdtMs: c.pdtMs,
    });
    const path = join(this.dir, name);
    try {
      await writeAtomic(path, c.bytes);
      this.failing = false;
    } catch (err) {
      // Not listed: the window restarts after the gap with a discontinuity (media-window.ts).
      this.diskError(err, "write segment", name);
      return;
    }
    const now = this.now();
    const entry = {
      sequence: c.sequence,
      uri: name,
      durationSec: c.seg.durationSec,
      pdtMs: c.pdtMs,
      discontinuity: c.discontinuity,
    };
    for (const r of v.window.append(entry)) this.retention.schedule(r.uri, now);
    v.segments++;
    v.lastSegmentWallMs = now;
    v.meter.add(c.bytes.length, c.seg.durationSec);
    this.sentBytes += c.bytes.length;
    const playlistOk = await this.writePlaylist(v);
    const master = await this.writeMaster(v.advertised.update(v.meter, v.segments));
    this.persist();
    this.noteState();
    this.events.emit("segment", {
      profile: v.profile,
      sequence: c.sequence,
      path,
      pos: c.seg.startPos,
      durationSec: c.seg.durationSec,
      pdtMs: c.pdtMs,
      bytes: c.bytes.length,
    });
    // The origin gets files in the order a client may need them: segment, then what lists it.
    if (this.pusher) {
      this.pusher.push(name, c.bytes);
      if (playlistOk) this.pusher.push(mediaPlaylistName(channel, v.profile), this.mediaText(v), true);
      if (master !== null) this.pusher.push(masterPlaylistName(channel), master, true);
    }
    await this.retention.sweep(this.now());
  }

  private mediaText(v: Variant): string {
    return renderMediaPlaylist({
      targetDuration: this.targetDuration,
      discontinuitySequence: v.window.discontinuitySequence,
      entries: v.window.entries,
    });
  }

  private async writePlaylist(v: Variant): Promise<boolean> {
    const name = mediaPlaylistName(this.o.channel, v.profile);
    return this.write(name, this.mediaText(v));
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
    if (!(await this.write(masterPlaylistName(this.o.channel), text))) return null;
    this.masterText = text;
    return text;
  }

  private async write(name: string, text: string): Promise<boolean> {
    try {
      await writeAtomic(join(this.dir, name), text);
      this.failing = false;
      return true;
    } catch (err) {
      this.diskError(err, "write playlist", name);
      return false;
    }
  }

  private persist(): void {
    const variants: HlsState["variants"] = {};
    for (const v of this.variants) variants[v.profile] = v.window.snapshot();
    const state: HlsState = {
      nextSequence: this.nextSequence,
      discontinuitySequence: this.variants[0]?.window.discontinuitySequence ?? 0,
      variants,
    };
    try {
      this.o.state.set(HLS_STATE_KEY, state);
    } catch (err) {
      this.diskError(err, "save state", HLS_STATE_KEY);
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
