/**
 * A minimal MPEG-TS muxer for ONE audio elementary stream (ADTS AAC or MP3), one
 * program. Each call produces one self-contained HLS segment: PAT and PMT first
 * (so any segment can start decoding), then PES packets of several whole frames.
 *
 * Everything in a segment's bytes that a player compares across segments is a function of
 * the segment alone, so segments of two instances (or two runs) can follow one another:
 * - PTS comes from the program position by the epoch rule (epoch-grid.ts: pos × 90 kHz / rate
 *   mod 2^33), never from arrival time: continuous across segments, restarts and instances;
 * - PAT and PMT take one packet each per segment: their continuity counter is k mod 16;
 * - the audio PID's counter starts at 0 in every segment, with discontinuity_indicator set on
 *   the segment's first audio packet (ISO/IEC 13818-1 §2.4.3.5: a continuity counter
 *   discontinuity). Its packet count depends on the encoder's frame sizes, which differ
 *   between instances, so no counter carried over from the previous segment could match a
 *   peer's segment.
 */
import type { Codec, EncodedFrame } from "../../types/index.js";
import { ptsOf } from "./epoch-grid.js";
import { buildPat, buildPes, buildPmt, packetize, psiPacket, TS_CLOCK_WRAP } from "./ts-packets.js";

export const PAT_PID = 0x0000;
export const PMT_PID = 0x1000;
export const AUDIO_PID = 0x0100;
const PROGRAM_NUMBER = 1;

/** stream_type: 0x0F = ISO/IEC 13818-7 AAC with ADTS; 0x03 = ISO/IEC 11172-3 (MPEG-1) audio. */
export const STREAM_TYPE: Record<Codec, number> = { aac: 0x0f, mp3: 0x03 };

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
  private readonly maxPesSamples: number;
  private readonly pat: Buffer;
  private readonly pmt: Buffer;

  constructor(private readonly opts: TsMuxerOptions) {
    this.maxPesSamples = ((opts.maxPesMs ?? 150) / 1000) * opts.sampleRate;
    this.pat = buildPat(PROGRAM_NUMBER, PMT_PID);
    this.pmt = buildPmt(PROGRAM_NUMBER, AUDIO_PID, STREAM_TYPE[opts.codec], AUDIO_PID);
  }

  /** 90 kHz presentation time of program sample `pos` (33-bit, wraps). */
  ptsOf(pos: number): number {
    return ptsOf(pos, this.opts.sampleRate);
  }

  /** Segment `k` of the grid, made of `frames`. */
  muxSegment(frames: readonly EncodedFrame[], k: number): Buffer {
    const parts: Buffer[] = [psiPacket(PAT_PID, this.pat, k % 16), psiPacket(PMT_PID, this.pmt, k % 16)];
    let cc = 0;
    for (const group of this.groups(frames)) {
      const head = group[0];
      if (!head) continue;
      const pts = this.ptsOf(head.pos);
      const pes = buildPes(pts, Buffer.concat(group.map((f) => f.data)));
      const { packets, nextCc } = packetize(AUDIO_PID, pes, cc, true, {
        pcr: (pts - PCR_LEAD_90K + TS_CLOCK_WRAP) % TS_CLOCK_WRAP,
        randomAccess: true, // every ADTS/MP3 frame is decodable on its own
        discontinuity: cc === 0 && parts.length === 2,
      });
      cc = nextCc;
      parts.push(packets);
    }
    return Buffer.concat(parts);
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
