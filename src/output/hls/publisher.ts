/**
 * Carries out what the HLS output decided, in order, per variant: the segment file (atomic),
 * its place in the window, the media playlist (atomic) and the master, then the origin's queue;
 * deletions when files age out; disk errors counted and reported (a segment not written is a
 * gap). Also the start: the window rebuilt from the names on disk.
 */
import { join } from "node:path";
import type { Clock } from "../../clock/clock.js";
import type { HlsConfig } from "../../config/schema.js";
import type { ErrorReporter } from "../../errors/reporter.js";
import type { Logger } from "../../types/index.js";
import { gridSegment } from "./epoch-grid.js";
import { scanDir, type ScannedDir } from "./dir-scan.js";
import type { HealthGate } from "./health-gate.js";
import type { HlsSegmentEvent } from "./hls-types.js";
import type { OriginStore } from "./origin-store.js";
import {
  codecsOf,
  masterPlaylistName,
  mediaPlaylistName,
  renderMasterPlaylist,
  renderMediaPlaylist,
} from "./playlists.js";
import { restoreFromDisk } from "./restore.js";
import { Retention } from "./retention.js";
import type { Segment } from "./segmenter.js";
import type { LocalDiskStore } from "./segment-store.js";
import type { Variant } from "./variant.js";

export interface PublisherOptions {
  channel: string;
  config: HlsConfig;
  variants: readonly Variant[];
  targetDuration: number;
  local: LocalDiskStore;
  origin: OriginStore | null;
  gate: HealthGate;
  clock: Clock;
  log: Logger;
  errors: ErrorReporter;
  /** The output's state may have changed (a segment listed, a disk error). */
  changed: () => void;
  onSegment: (e: HlsSegmentEvent) => void;
}

export class Publisher {
  diskErrors = 0;
  lastError: string | null = null;
  failing = false;
  sentBytes = 0;
  private masterText: string | null = null;
  private readonly retention = new Retention();
  /** A file stays this long after it left the playlist: one playlist duration. */
  private readonly retentionMs: number;

  constructor(private readonly o: PublisherOptions) {
    this.retentionMs = o.config.windowSegments * o.config.segmentSec * 1000;
  }

  async init(): Promise<void> {
    const { config, channel } = this.o;
    let scan: ScannedDir = { found: new Map(), strays: [], tmp: [] };
    try {
      await this.o.local.init();
      scan = await scanDir(
        config.dir,
        channel,
        this.o.variants.map((v) => ({ ...v, segmentSec: config.segmentSec })),
      );
    } catch (err) {
      this.diskError(err, "scan directory", config.dir);
    }
    for (const name of scan.tmp) await this.o.local.delete(name).catch(() => undefined);
    const nowMs = this.o.clock.wallMs();
    const relisted = restoreFromDisk(this.o.variants, scan, this.retention, {
      nowMs,
      windowSegments: config.windowSegments,
      retentionMs: this.retentionMs,
    });
    if (relisted > 0) this.o.log.info({ relisted }, "HLS window rebuilt from the segments on disk");
    // Clients keep playing the previous run's window while the first new segment is made.
    if (this.o.variants.every((v) => v.window.last !== null)) {
      for (const v of this.o.variants)
        await this.writeLocal(mediaPlaylistName(channel, v.profile), this.mediaText(v));
      await this.writeMaster(false);
    }
    await this.sweep(nowMs);
  }

  async publish(v: Variant, seg: Segment, bytes: Buffer, degraded: boolean): Promise<void> {
    const name = v.uriOf(seg.k);
    try {
      await this.o.local.putSegment(name, bytes);
      this.failing = false;
    } catch (err) {
      this.diskError(err, "write segment", name); // not listed: a gap
      return;
    }
    if (degraded) this.o.gate.markDegraded(name);
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
    this.o.changed();
    this.o.onSegment({
      profile: v.profile,
      sequence: seg.k,
      path: join(this.o.config.dir, name),
      pos: seg.startPos,
      durationSec: seg.durationSec,
      pdtMs: gridSegment(v.grid, seg.k).pdtMs,
      bytes: bytes.length,
    });
    // The origin gets files in the order a client may need them: segment, then what lists it.
    if (this.o.origin) {
      await this.o.origin.putSegment(name, bytes, { k: seg.k, degraded });
      if (listed) await this.o.origin.putPlaylist(mediaName, media, { degraded });
      const masterText = master ?? (v === this.o.variants[0] ? this.masterText : null);
      if (masterText)
        await this.o.origin.putPlaylist(masterPlaylistName(this.o.channel), masterText, { degraded });
    }
    await this.sweep(nowMs);
  }

  /** Deletes what aged out, locally and at the origin. */
  private async sweep(nowMs: number): Promise<void> {
    for (const name of this.retention.takeDue(nowMs)) {
      this.o.gate.forget(name);
      try {
        await this.o.local.delete(name);
      } catch (err) {
        this.o.log.warn({ err, file: name }, "cannot delete aged-out HLS segment");
      }
      await this.o.origin?.delete(name);
    }
  }

  private mediaText(v: Variant): string {
    return renderMediaPlaylist({
      targetDuration: this.o.targetDuration,
      discontinuitySequence: 0,
      entries: v.window.entries(),
    });
  }

  /** Writes the master when it is missing or changed; returns the text written, else null. */
  private async writeMaster(changed: boolean): Promise<string | null> {
    if (this.masterText !== null && !changed) return null;
    const text = renderMasterPlaylist(
      this.o.variants.map((v) => ({
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
      await this.o.local.putPlaylist(name, text);
      this.failing = false;
      return true;
    } catch (err) {
      this.diskError(err, "write playlist", name);
      return false;
    }
  }

  diskError(
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
    this.o.changed();
  }
}
