/**
 * The selected audio stream: PES reassembly → framing → per-frame PTS → EsFrame.
 *
 * PTS rules: the PES PTS belongs to the first frame that starts in that PES; every other frame
 * gets the previous frame's time plus its duration (exact, from the last anchor). After lost
 * data (continuity error, bad PES, bytes skipped to find a frame header), frames without their
 * own PTS are dropped until a PES with a PTS arrives: placing them by interpolation across the
 * hole would shift everything after it.
 */
import { EsFramer, type FrameSink } from "./es-framer.js";
import { headerParserFor } from "./es-framers.js";
import type { FrameHeader } from "./frame-header.js";
import type { ListenerGuard } from "./listener-guard.js";
import { PesAssembler, type PesSink } from "./pes.js";
import type { PtsClock } from "./pts-clock.js";
import type { EsCodec, StreamCodec, TsStats, TsStreamInfo } from "./ts-types.js";

export interface AudioStreamOptions {
  ptsJumpToleranceTicks: number;
  maxPesBytes: number;
}

export class AudioStream implements PesSink, FrameSink {
  readonly pid: number;
  private readonly pes: PesAssembler;
  private readonly framer: EsFramer;
  private lastCodec: EsCodec | null = null;
  private lastRate = 0;
  private lastChannels = -1;
  /** A discontinuity_indicator announced a new time base: the next PTS need not continue. */
  private timeBaseChange = false;

  constructor(
    readonly info: TsStreamInfo & { codec: StreamCodec },
    private readonly clock: PtsClock,
    private readonly out: ListenerGuard,
    private readonly stats: TsStats,
    private readonly opts: AudioStreamOptions,
  ) {
    this.pid = info.pid;
    this.pes = new PesAssembler(this, stats, opts.maxPesBytes);
    const syncByte = info.codec === "ac3" || info.codec === "eac3" ? 0x0b : 0xff;
    this.framer = new EsFramer(headerParserFor(info.codec), syncByte, this, stats);
  }

  /** Payload b[p, end) of a packet of this PID. */
  packet(b: Buffer, p: number, end: number, unitStart: boolean): void {
    this.pes.push(b, p, end, unitStart);
  }

  /** Packets of this PID were lost (continuity error, scrambled packet). */
  lost(): void {
    this.pes.lost();
    this.framer.hole();
    this.clock.invalidate();
  }

  timeBaseDiscontinuity(): void {
    this.timeBaseChange = true;
  }

  /** End of input: an unbounded PES in progress is complete; a partial frame is dropped. */
  end(): void {
    this.pes.end();
    this.framer.hole();
  }

  pesComplete(buf: Buffer, start: number, end: number, pts: number): void {
    this.framer.pushPes(buf, start, end, pts);
  }

  pesError(code: "pes-invalid" | "pes-oversize" | "scrambled", message: string): void {
    this.framer.hole();
    this.clock.invalidate();
    this.out.error({ code, message, pid: this.pid, byteOffset: null });
  }

  esSyncLost(): void {
    // Skipped bytes may hold any number of frames: interpolating across them would shift time.
    this.clock.invalidate();
    this.out.error({
      code: "es-sync-lost",
      message: `no valid ${this.info.codec} frame header where one was expected`,
      pid: this.pid,
      byteOffset: null,
    });
  }

  esFrame(buf: Buffer, off: number, len: number, h: FrameHeader, rawPts: number): void {
    let pts: number;
    if (rawPts >= 0) pts = this.anchor(rawPts, h);
    else if (this.clock.running) pts = this.clock.expected();
    else {
      this.stats.framesDropped++; // no PTS yet, or not since data was lost
      return;
    }
    if (h.codec !== this.lastCodec || h.sampleRate !== this.lastRate || h.channels !== this.lastChannels) {
      if (this.lastCodec !== null) {
        const detail = `${this.lastCodec} ${this.lastRate} Hz ${this.lastChannels} ch → ${h.codec} ${h.sampleRate} Hz ${h.channels} ch`;
        this.out.discontinuity({ reason: "format-change", pts90k: pts, expectedPts90k: null, detail });
      }
      this.lastCodec = h.codec;
      this.lastRate = h.sampleRate;
      this.lastChannels = h.channels;
    }
    this.clock.advance(h.samples, h.sampleRate);
    const data = Buffer.allocUnsafe(len);
    buf.copy(data, 0, off, off + len);
    this.stats.framesOut++;
    this.out.frame({
      codec: h.codec,
      data,
      pts90k: pts,
      sampleRate: h.sampleRate,
      channels: h.channels,
      samples: h.samples,
      ptsInterpolated: rawPts < 0,
    });
  }

  /**
   * Unwraps a PES PTS, reports a jump, and makes it the new anchor. Forward, up to
   * `ptsJumpToleranceTicks` is tolerated (lost PES leave gaps; jittery encoders); backward, half
   * a frame: audio that would overlap what was already emitted is a restart, not jitter. After a
   * discontinuity_indicator, any step beyond half a frame is a new time base.
   */
  private anchor(rawPts: number, h: FrameHeader): number {
    const pts = this.clock.unwrap(rawPts);
    const expected = this.clock.continuation();
    const halfFrame = (h.samples * 45000) / h.sampleRate;
    const ahead = this.timeBaseChange ? halfFrame : this.opts.ptsJumpToleranceTicks;
    this.timeBaseChange = false;
    if (pts - expected > ahead || expected - pts > halfFrame) {
      const ms = ((pts - expected) / 90).toFixed(1);
      this.out.discontinuity({
        reason: "pts-jump",
        pts90k: pts,
        expectedPts90k: expected,
        detail: `PTS off by ${ms} ms`,
      });
    }
    this.clock.anchorAt(pts);
    return pts;
  }
}
