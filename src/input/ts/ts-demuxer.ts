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

/** Continuity-counter state of one PID (ISO/IEC 13818-1 2.4.3.3). */
class Continuity {
  last = -1;
  dup = false;

  /** 0 in order, 1 duplicate (ignore the packet), 2 discontinuity (data lost). */
  check(cc: number, discontinuity: boolean): 0 | 1 | 2 {
    const last = this.last;
    this.last = cc;
    if (last < 0 || discontinuity) return 0;
    if (cc === last) {
      // One repeat is allowed and carries the same data; a second one is an error.
      this.dup = !this.dup;
      return this.dup ? 1 : 2;
    }
    this.dup = false;
    return cc === ((last + 1) & 0x0f) ? 0 : 2;
  }
}

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

  /** Last PCR on the program's PCR PID, or null. */
  get lastPcr(): TsPcr | null {
    return this.pcr;
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
    // transport_error_indicator: the packet is known bad; its PID's CC check sees the gap.
    if (b1 & 0x80 || afc === 0) {
      this.stats.invalidPackets++;
      return;
    }
    let p = off + 4;
    let discontinuity = false;
    if (afc & 0x02) {
      const afLen = b[p] as number;
      if (afLen > (afc & 0x01 ? 182 : 183)) {
        this.stats.invalidPackets++;
        return;
      }
      if (afLen > 0) {
        const flags = b[p + 1] as number;
        discontinuity = (flags & 0x80) !== 0;
        if (flags & 0x10 && afLen >= 7 && pid === this.tracker.pcrPid) this.readPcr(b, p + 2, byteOffset);
      }
      p += 1 + afLen;
    }
    if (discontinuity && pid === this.tracker.pcrPid) this.audio?.timeBaseDiscontinuity();
    const end = off + 188;
    if (!(afc & 0x01) || p >= end) return; // no payload: the CC does not advance
    const unitStart = (b1 & 0x40) !== 0;
    const cc = b3 & 0x0f;
    if (pid === 0) this.psi(this.patCc, cc, discontinuity, b, p, end, unitStart, pid, byteOffset);
    else if (pid === this.tracker.pmtPid)
      this.psi(this.pmtCc, cc, discontinuity, b, p, end, unitStart, pid, byteOffset);
    else if (this.audio && pid === this.audio.pid) {
      this.audioPacket(b, p, end, unitStart, this.audioCc.check(cc, discontinuity), b3 >> 6, byteOffset);
    }
  }

  private onSynced(size: number, byteOffset: number): void {
    if (size !== 188) {
      const message = `${size}-byte packets: the 16 Reed-Solomon bytes after each 188-byte packet are ignored`;
      this.error("packet-size-204", message, null, byteOffset);
    }
  }

  private psi(
    cont: Continuity,
    cc: number,
    discontinuity: boolean,
    b: Buffer,
    p: number,
    end: number,
    unitStart: boolean,
    pid: number,
    byteOffset: number,
  ): void {
    const r = cont.check(cc, discontinuity);
    if (r === 1) return this.duplicate();
    const asm = pid === 0 ? this.tracker.pat : this.tracker.pmt;
    if (r === 2) {
      this.ccError(pid, byteOffset);
      asm.reset();
    }
    asm.push(b, p, end, unitStart);
  }

  private audioPacket(
    b: Buffer,
    p: number,
    end: number,
    unitStart: boolean,
    cc: 0 | 1 | 2,
    scrambling: number,
    byteOffset: number,
  ): void {
    const audio = this.audio as AudioStream;
    if (cc === 1) return this.duplicate();
    if (cc === 2) {
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
    this.current = p;
    this.out.program(p);
    const sel = p.selected;
    const old = before?.selected ?? null;
    const same =
      sel && old && sel.pid === old.pid && sel.streamType === old.streamType && sel.codec === old.codec;
    if (before && same) return;
    if (!sel) this.error("no-audio-stream", `program ${p.programNumber} has no audio stream`, p.pmtPid, null);
    else if (!sel.codec) {
      this.error("unsupported-stream", `PID ${sel.pid}: ${sel.description}`, sel.pid, null);
    }
    this.audio?.end();
    this.audio = sel?.codec
      ? new AudioStream({ ...sel, codec: sel.codec }, this.clock, this.out, this.stats, this.opts)
      : null;
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
