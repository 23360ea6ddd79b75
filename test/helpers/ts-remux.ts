/**
 * Re-multiplexes elementary-stream frames into MPEG-TS with PES boundaries wherever a test
 * wants them (inside frames, tiny PES without any frame start, unbounded PES), the way hardware
 * encoders do and ffmpeg's muxer never does. Packets are written by the project's own TS writer
 * (src/output/hls/ts-packets.ts); the PES header is built here so it can omit the PTS or use
 * PES_packet_length 0.
 */
import { buildPat, buildPmt, encodePts, packetize, psiPacket } from "../../src/output/hls/ts-packets.js";

export interface EsUnit {
  data: Buffer;
  pts: number;
  /** Bytes that are no frame (corruption): in the stream, never expected out. */
  junk?: boolean;
}

export interface RemuxOptions {
  /** ES bytes carried by PES number i. */
  pesSize: (i: number) => number;
  streamType: number;
  /** PES_packet_length 0 on every PES. */
  unbounded?: boolean;
  /** PES indices whose first packet carries discontinuity_indicator. */
  discontinuityAt?: Set<number>;
  /** PES indices whose first packet's continuity counter skips ahead by 5. */
  ccJumpAt?: Set<number>;
  /** A PMT section (pointer field first) to send instead of the one-stream PMT. */
  pmt?: Buffer;
  pid?: number;
}

export interface ExpectedFrame {
  data: Buffer;
  pts90k: number;
  ptsInterpolated: boolean;
}

function pesHeader(pts: number | null, payloadLength: number, unbounded: boolean): Buffer {
  const optional = pts === null ? 0 : 5;
  const length = unbounded ? 0 : 3 + optional + payloadLength;
  const head = Buffer.from([
    0,
    0,
    1,
    0xc0,
    (length >> 8) & 0xff,
    length & 0xff,
    0x80,
    pts === null ? 0 : 0x80,
    optional,
  ]);
  return pts === null ? head : Buffer.concat([head, encodePts(pts)]);
}

/** The TS, and what a correct demuxer must emit for it. */
export function remux(units: EsUnit[], opts: RemuxOptions): { ts: Buffer; expected: ExpectedFrame[] } {
  const pid = opts.pid ?? 0x100;
  const es = Buffer.concat(units.map((u) => u.data));
  const starts: number[] = [];
  let at = 0;
  for (const u of units) {
    starts.push(at);
    at += u.data.length;
  }
  const out: Buffer[] = [];
  const expected: ExpectedFrame[] = units.map((u) => ({
    data: u.data,
    pts90k: u.pts,
    ptsInterpolated: true,
  }));
  const isFrame = (i: number) => units[i]?.junk !== true;
  let cc = 0;
  let pmtCc = 0;
  let next = 0; // first unit not yet started
  for (let i = 0, pos = 0; pos < es.length; i++) {
    const end = Math.min(es.length, pos + Math.max(1, opts.pesSize(i)));
    while (next < units.length && ((starts[next] as number) < pos || !isFrame(next))) next++;
    // The PES PTS is that of the first frame starting in it (none if no frame starts in it).
    const first = next < units.length && (starts[next] as number) < end ? next : -1;
    if (first >= 0) (expected[first] as ExpectedFrame).ptsInterpolated = false;
    if (i % 8 === 0) {
      out.push(psiPacket(0, buildPat(1, 0x1000), i / 8));
      const pmt = packetize(0x1000, opts.pmt ?? buildPmt(1, pid, opts.streamType, pid), pmtCc, true);
      out.push(pmt.packets);
      pmtCc = pmt.nextCc;
    }
    if (opts.ccJumpAt?.has(i)) cc = (cc + 5) & 0x0f;
    const pts = first >= 0 ? (units[first] as EsUnit).pts : null;
    const payload = Buffer.concat([
      pesHeader(pts, end - pos, opts.unbounded ?? false),
      es.subarray(pos, end),
    ]);
    const p = packetize(pid, payload, cc, true, { discontinuity: opts.discontinuityAt?.has(i) ?? false });
    out.push(p.packets);
    cc = p.nextCc;
    pos = end;
  }
  return { ts: Buffer.concat(out), expected: expected.filter((_, i) => isFrame(i)) };
}
