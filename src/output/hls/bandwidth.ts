/**
 * BANDWIDTH / AVERAGE-BANDWIDTH for the master playlist. BANDWIDTH must be at least
 * the peak segment bit rate actually produced, container included (RFC 8216
 * §4.3.4.2). Before any segment exists we advertise an estimate from the nominal
 * bit rate plus TS overhead; the meter then measures real segments, and the output
 * rewrites the master when a measured peak exceeds what it advertised.
 */
import type { Codec } from "../../types/index.js";

export interface BandwidthEstimateInput {
  codec: Codec;
  bitrate: number;
  sampleRate: number;
  segmentSec: number;
  maxPesMs?: number;
}

/** Headroom over the nominal rate for encoder rate variation (AAC VBR reservoirs). */
const PEAK_MARGIN = 1.1;
const ADTS_HEADER = 7;

export function estimateBandwidth(i: BandwidthEstimateInput): { bandwidth: number; average: number } {
  const frameSamples = i.codec === "aac" ? 1024 : 1152;
  const fps = i.sampleRate / frameSamples;
  // ffmpeg's AAC bitrate counts raw frames only; the ADTS header comes on top. MP3's includes its header.
  const esBytes = i.bitrate / 8 + (i.codec === "aac" ? ADTS_HEADER * fps : 0);
  const pesPerSec = 1000 / (i.maxPesMs ?? 150) + 1;
  // Per PES: 14-byte header; first packet's PCR adaptation field (8); on average half a packet of stuffing.
  const payload = esBytes + 14 * pesPerSec;
  const tsBytes = (payload * 188) / 184 + pesPerSec * (8 + 92) + 376 / i.segmentSec;
  const average = Math.ceil(tsBytes * 8);
  return { bandwidth: Math.ceil(average * PEAK_MARGIN), average };
}

interface Sample {
  bits: number;
  sec: number;
}

/**
 * Measures the peak segment bit rate as RFC 8216bis defines it: the highest rate
 * of any contiguous run of segments lasting 0.5–1.5 × the target duration (so a
 * one-frame first segment, mostly PAT/PMT, doesn't count as a peak), and the
 * average over everything measured.
 */
export class BandwidthMeter {
  private recent: Sample[] = [];
  private totalBits = 0;
  private totalSec = 0;
  private peakBps = 0;

  constructor(private readonly targetDurationSec: number) {}

  add(bytes: number, durationSec: number): void {
    if (durationSec <= 0) return;
    this.totalBits += bytes * 8;
    this.totalSec += durationSec;
    this.recent.push({ bits: bytes * 8, sec: durationSec });
    const lo = 0.5 * this.targetDurationSec;
    const hi = 1.5 * this.targetDurationSec;
    let bits = 0;
    let sec = 0;
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const s = this.recent[i];
      if (!s) break;
      bits += s.bits;
      sec += s.sec;
      if (sec > hi) break;
      if (sec >= lo) this.peakBps = Math.max(this.peakBps, bits / sec);
    }
    // Runs never need more than the segments that fit 1.5 × target (plus short ones).
    if (this.recent.length > 8) this.recent.shift();
  }

  /** bits/s; 0 before a run of at least half a target duration was seen. */
  get peak(): number {
    return Math.ceil(this.peakBps);
  }

  /** bits/s over all measured segments; 0 before any. */
  get average(): number {
    return this.totalSec > 0 ? Math.ceil(this.totalBits / this.totalSec) : 0;
  }
}

/**
 * What the master playlist advertises for one variant. BANDWIDTH follows the
 * measured peak upwards (with 5 % headroom so the master is not rewritten for
 * every small increase) and never goes down; AVERAGE-BANDWIDTH follows the
 * measured average once a few segments were seen, when it is more than 10 % off.
 */
export class AdvertisedBandwidth {
  bandwidth: number;
  average: number;

  constructor(estimate: { bandwidth: number; average: number }) {
    this.bandwidth = estimate.bandwidth;
    this.average = estimate.average;
  }

  /** Returns whether the advertised values changed (the master must be rewritten). */
  update(meter: BandwidthMeter, segments: number): boolean {
    let changed = false;
    if (meter.peak > this.bandwidth) {
      this.bandwidth = Math.ceil(meter.peak * 1.05);
      changed = true;
    }
    const avg = meter.average;
    if (segments >= 3 && avg > 0 && Math.abs(avg - this.average) > 0.1 * this.average) {
      this.average = avg;
      changed = true;
    }
    this.bandwidth = Math.max(this.bandwidth, this.average);
    return changed;
  }
}
