/**
 * A minimal MPEG-TS muxer for ONE audio elementary stream (ADTS AAC or MP3), one
 * program. Each call produces one self-contained HLS segment: PAT and PMT first
 * (so any segment can start decoding), then PES packets of several whole frames.
 *
 * Timestamps come from the program sample index (`pos`), never from arrival
 * time, so PTS is continuous across segments and identical for every variant at
 * the same pos. Continuity counters live in the muxer and continue across
 * segments; they are never reset (a new muxer after a daemon restart starts at 0,
 * which the HLS discontinuity and the discontinuity_indicator cover).
 */
import type { Codec, EncodedFrame } from "../../types/index.js";
import { buildPat, buildPes, buildPmt, packetize, psiPacket, TS_CLOCK_WRAP } from "./ts-packets.js";

export const PAT_PID = 0x0000;
export const PMT_PID = 0x1000;
export const AUDIO_PID = 0x0100;
const PROGRAM_NUMBER = 1;

/** stream_type: 0x0F = ISO/IEC 13818-7 AAC with ADTS; 0x03 = ISO/IEC 11172-3 (MPEG-1) audio. */
export const STREAM_TYPE: Record<Codec, number> = { aac: 0x0f, mp3: 0x03 };

/**
 * PTS starts this far above the program's sample 0 so the PCR, which runs ahead of
 * it by PCR_LEAD, is never negative (as ffmpeg's default 1.4 s mux delay does).
 */
export const PTS_OFFSET_90K = 126_000;
/** How far the PCR (the decoder's arrival clock) runs before the PTS it carries. */
const PCR_LEAD_90K = 63_000;
const PES_MAX_BYTES = 0xffff - 8;

export interface TsMuxerOptions {
  codec: Codec;
  sampleRate: number;
  /** Upper bound on the audio one PES carries; fewer PES = less overhead, more = finer PCR. */
  maxPesMs?: number;
}

export class TsMuxer {
  private readonly cc = new Map<number, number>();
  private readonly maxPesSamples: number;
  private readonly ptsNum: number;
  private readonly ptsDen: number;
  private readonly pat: Buffer;
  private readonly pmt: Buffer;

  constructor(private readonly opts: TsMuxerOptions) {
    this.maxPesSamples = ((opts.maxPesMs ?? 150) / 1000) * opts.sampleRate;
    // Reduce 90000/sampleRate so pos * num stays exact in a double for decades of samples.
    const g = gcd(90_000, opts.sampleRate);
    this.ptsNum = 90_000 / g;
    this.ptsDen = opts.sampleRate / g;
    this.pat = buildPat(PROGRAM_NUMBER, PMT_PID);
    this.pmt = buildPmt(PROGRAM_NUMBER, AUDIO_PID, STREAM_TYPE[opts.codec], AUDIO_PID);
  }

  /** 90 kHz presentation time of program sample `pos` (33-bit, wraps). */
  ptsOf(pos: number): number {
    return (Math.floor((pos * this.ptsNum) / this.ptsDen) + PTS_OFFSET_90K) % TS_CLOCK_WRAP;
  }

  /**
   * One segment. `discontinuity` sets discontinuity_indicator on the first audio
   * packet: the HLS timeline breaks here (encoder or daemon restart).
   */
  muxSegment(frames: readonly EncodedFrame[], discontinuity = false): Buffer {
    const parts: Buffer[] = [
      psiPacket(PAT_PID, this.pat, this.nextCc(PAT_PID)),
      psiPacket(PMT_PID, this.pmt, this.nextCc(PMT_PID)),
    ];
    let first = true;
    for (const group of this.groups(frames)) {
      const head = group[0];
      if (!head) continue;
      const pts = this.ptsOf(head.pos);
      const pes = buildPes(pts, Buffer.concat(group.map((f) => f.data)));
      const { packets, nextCc } = packetize(AUDIO_PID, pes, this.cc.get(AUDIO_PID) ?? 0, true, {
        pcr: (pts - PCR_LEAD_90K + TS_CLOCK_WRAP) % TS_CLOCK_WRAP,
        randomAccess: true, // every ADTS/MP3 frame is decodable on its own
        discontinuity: discontinuity && first,
      });
      this.cc.set(AUDIO_PID, nextCc);
      parts.push(packets);
      first = false;
    }
    return Buffer.concat(parts);
  }

  private nextCc(pid: number): number {
    const cc = this.cc.get(pid) ?? 0;
    this.cc.set(pid, (cc + 1) & 0x0f);
    return cc;
  }

  /** Whole frames per PES, bounded in duration and in PES_packet_length. */
  private *groups(frames: readonly EncodedFrame[]): Generator<EncodedFrame[]> {
    let group: EncodedFrame[] = [];
    let samples = 0;
    let bytes = 0;
    for (const f of frames) {
      const full = samples + f.samples > this.maxPesSamples || bytes + f.data.length > PES_MAX_BYTES;
      // Frames must also be contiguous: a PES has one PTS for all its frames.
      const gap = group.length > 0 && f.pos !== (group.at(-1)?.pos ?? 0) + (group.at(-1)?.samples ?? 0);
      if (group.length > 0 && (full || gap)) {
        yield group;
        group = [];
        samples = 0;
        bytes = 0;
      }
      group.push(f);
      samples += f.samples;
      bytes += f.data.length;
    }
    if (group.length > 0) yield group;
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
