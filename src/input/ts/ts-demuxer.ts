/**
 * MPEG-TS demuxer for one audio stream: bytes in (any chunking), whole codec frames with their
 * PTS out. Pure and synchronous: no I/O, no timers, never throws on any input.
 *
 *   bytes ─► PacketAligner ─► packet header, adaptation field (PCR, discontinuity), CC check
 *              ├─ PID 0 / PMT PID ─► ProgramTracker (PAT, PMT, CRC) ─► stream selection
 *              └─ selected audio PID ─► AudioStream (PES ─► EsFramer ─► PtsClock) ─► frame()
 *
 * Stream selection follows ffmpeg's `-map 0:a:0`: the first audio stream of the first program
 * in the PAT. Continuity errors drop the PES in progress (see AudioStream, PesAssembler).
 */
import { AudioStream } from "./audio-stream.js";
import { CC_DUPLICATE, CC_LOST, Continuity, type CcResult } from "./continuity.js";
import { ListenerGuard } from "./listener-guard.js";
import { PacketAligner } from "./packet-aligner.js";
import { ProgramTracker } from "./program-tracker.js";
import { PtsClock, unwrapNear } from "./pts-clock.js";
import {
  emptyStats,
  type TsDemuxerListener,
  type TsErrorCode,
  type TsPcr,
  type TsProgram,
  type TsStats,
} from "./ts-types.js";

export interface TsDemuxerOptions {
  /**
   * A PES PTS further ahead than this of the expected continuation is a "pts-jump" (default 1 s);
   * behind it, half a frame is enough.
   */
  ptsJumpToleranceTicks?: number;
  /** A PES larger than this is dropped (default 1 MiB; audio PES are a few kB). */
  maxPesBytes?: number;
}

const NULL_PID = 0x1fff;

export class TsDemuxer {
  readonly stats: TsStats = emptyStats();
  private readonly out: ListenerGuard;
  private readonly aligner: PacketAligner;
  private readonly tracker: ProgramTracker;
  private readonly clock = new PtsClock();
  private readonly patCc = new Continuity();
  private readonly pmtCc = new Continuity();
  private audioCc = new Continuity();
  private audio: AudioStream | null = null;
  private current: TsProgram | null = null;
  private pcr: TsPcr | null = null;
  private scrambled = false;
  /** discontinuity_indicator of the packet being read. */
  private afDiscontinuity = false;
  private readonly opts: Required<TsDemuxerOptions>;

  constructor(listener: TsDemuxerListener, options: TsDemuxerOptions = {}) {
    this.opts = { ptsJumpToleranceTicks: 90000, maxPesBytes: 1 << 20, ...options };
    this.out = new ListenerGuard(listener, this.stats);
    this.aligner = new PacketAligner(
      {
        tsPacket: (b, off, at) => this.onPacket(b, off, at),
        tsSyncLost: (at) => this.error("sync-lost", "MPEG-TS sync byte missing, resynchronising", null, at),
        tsSynced: (size, at) => this.onSynced(size, at),
      },
      this.stats,
    );
    this.tracker = new ProgramTracker(
      {
        programRead: (p) => this.onProgram(p),
        crcError: (pid) => this.error("crc-error", `PSI section with a bad CRC32 on PID ${pid}`, pid, null),
      },
      this.stats,
    );
  }

  /** Feeds bytes, any size, split anywhere. */
  push(chunk: Buffer): void {
    this.aligner.push(chunk);
  }

  /** End of input: completes the last packet and an unbounded PES in progress. */
  end(): void {
    this.aligner.end();
    this.audio?.end();
  }

  /** The program being followed (last PMT read), or null before the first PMT. */
  get program(): TsProgram | null {
    return this.current;
  }

  /** Last PCR on the program's PCR PID, or null (a copy: the demuxer updates its own). */
  get lastPcr(): TsPcr | null {
    return this.pcr && { ...this.pcr };
  }

  private onPacket(b: Buffer, off: number, byteOffset: number): void {
    this.stats.packets++;
    const b1 = b[off + 1] as number;
    const pid = ((b1 & 0x1f) << 8) | (b[off + 2] as number);
    if (pid === NULL_PID) {
      this.stats.nullPackets++;
      return;
    }
    const b3 = b[off + 3] as number;
    const afc = (b3 >> 4) & 0x03;
    this.afDiscontinuity = false;
    // transport_error_indicator: the packet is known bad; its PID's CC check sees the gap.
    const p =
      b1 & 0x80 || afc === 0 ? -1 : afc & 0x02 ? this.adaptation(b, off, afc, pid, byteOffset) : off + 4;
    if (p < 0) {
      this.stats.invalidPackets++;
      return;
    }
    const end = off + 188;
    if (!(afc & 0x01) || p >= end) return; // no payload: the CC does not advance
    const unitStart = (b1 & 0x40) !== 0;
    const disc = this.afDiscontinuity;
    if (pid === 0 || pid === this.tracker.pmtPid) {
      const cc = (pid === 0 ? this.patCc : this.pmtCc).check(b3 & 0x0f, disc);
      this.psi(pid, cc, b, p, end, unitStart, byteOffset);
    } else if (this.audio && pid === this.audio.pid) {
      this.audioPacket(b, p, end, unitStart, this.audioCc.check(b3 & 0x0f, disc), b3 >> 6, byteOffset);
    }
  }

  /** Reads the adaptation field; returns where the payload starts, -1 when it is impossible. */
  private adaptation(b: Buffer, off: number, afc: number, pid: number, byteOffset: number): number {
    const afLen = b[off + 4] as number;
    if (afLen > (afc & 0x01 ? 182 : 183)) return -1;
    if (afLen > 0) {
      const flags = b[off + 5] as number;
      this.afDiscontinuity = (flags & 0x80) !== 0;
      if (pid === this.tracker.pcrPid) {
        if (flags & 0x10 && afLen >= 7) this.readPcr(b, off + 6, byteOffset);
        if (this.afDiscontinuity) this.audio?.timeBaseDiscontinuity();
      }
    }
    return off + 5 + afLen;
  }

  private onSynced(size: number, byteOffset: number): void {
    if (size !== 188) {
      const message = `${size}-byte packets: the 16 Reed-Solomon bytes after each 188-byte packet are ignored`;
      this.error("packet-size-204", message, null, byteOffset);
    }
  }

  private psi(
    pid: number,
    cc: CcResult,
    b: Buffer,
    p: number,
    end: number,
    unitStart: boolean,
    at: number,
  ): void {
    if (cc === CC_DUPLICATE) return this.duplicate();
    const asm = pid === 0 ? this.tracker.pat : this.tracker.pmt;
    if (cc === CC_LOST) {
      this.ccError(pid, at);
      asm.reset();
    }
    asm.push(b, p, end, unitStart);
  }

  private audioPacket(
    b: Buffer,
    p: number,
    end: number,
    unitStart: boolean,
    cc: CcResult,
    scrambling: number,
    byteOffset: number,
  ): void {
    const audio = this.audio as AudioStream;
    if (cc === CC_DUPLICATE) return this.duplicate();
    if (cc === CC_LOST) {
      this.ccError(audio.pid, byteOffset);
      audio.lost();
    }
    if (scrambling !== 0) {
      this.stats.scrambledPackets++;
      if (!this.scrambled)
        this.error("scrambled", "scrambled packets on the audio PID", audio.pid, byteOffset);
      this.scrambled = true;
      audio.lost();
      return;
    }
    this.scrambled = false;
    audio.packet(b, p, end, unitStart);
  }

  private duplicate(): void {
    this.stats.duplicatePackets++;
  }

  private ccError(pid: number, byteOffset: number): void {
    this.stats.ccErrors++;
    this.error("cc-error", `continuity counter discontinuity on PID ${pid}`, pid, byteOffset);
  }

  private readPcr(b: Buffer, at: number, byteOffset: number): void {
    const base =
      (b[at] as number) * 2 ** 25 +
      (((b[at + 1] as number) << 17) | ((b[at + 2] as number) << 9) | ((b[at + 3] as number) << 1)) +
      ((b[at + 4] as number) >> 7);
    const ext = (((b[at + 4] as number) & 0x01) << 8) | (b[at + 5] as number);
    const pcr90k = unwrapNear(base + ext / 300, this.pcr ? this.pcr.pcr90k : NaN);
    if (this.pcr) {
      this.pcr.pcr90k = pcr90k;
      this.pcr.byteOffset = byteOffset;
    } else this.pcr = { pcr90k, byteOffset };
  }

  private onProgram(p: TsProgram): void {
    const before = this.current;
    const sel = p.selected;
    const old = before?.selected;
    const same =
      sel && old && sel.pid === old.pid && sel.streamType === old.streamType && sel.codec === old.codec;
    // The old stream's last (unbounded) PES belongs before the news of the change.
    if (!same) this.audio?.end();
    this.current = p;
    this.out.program(p);
    if (before && same) return;
    if (!sel) this.error("no-audio-stream", `program ${p.programNumber} has no audio stream`, p.pmtPid, null);
    else if (!sel.codec)
      this.error("unsupported-stream", `PID ${sel.pid}: ${sel.description}`, sel.pid, null);
    const codec = sel?.codec;
    this.audio =
      sel && codec ? new AudioStream({ ...sel, codec }, this.clock, this.out, this.stats, this.opts) : null;
    this.audioCc = new Continuity();
    this.clock.reset();
    if (before) {
      const detail = `program ${p.programNumber}: ${sel ? `PID ${sel.pid} ${sel.description}` : "no audio"}`;
      this.out.discontinuity({ reason: "program-change", pts90k: null, expectedPts90k: null, detail });
    }
  }

  private error(code: TsErrorCode, message: string, pid: number | null, byteOffset: number | null): void {
    this.out.error({ code, message, pid, byteOffset });
  }
}
