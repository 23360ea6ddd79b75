/**
 * PAT and PMT section parsing (ISO/IEC 13818-1 2.4.4.3, 2.4.4.8). Pure: a section in, a plain
 * description out, or null when the section is malformed. CRC is checked by the caller.
 */
import { classifyStream } from "./stream-types.js";
import type { TsStreamInfo } from "./ts-types.js";

export interface PatInfo {
  version: number;
  /** First program (program_number ≠ 0; 0 is the network PID) and its PMT PID. */
  programNumber: number;
  pmtPid: number;
}

export interface PmtInfo {
  programNumber: number;
  version: number;
  pcrPid: number;
  streams: TsStreamInfo[];
}

/** Common long-form header checks; returns the version or -1 when the section does not apply. */
function longHeader(s: Uint8Array, len: number, tableId: number): number {
  if (len < 12 || s[0] !== tableId || ((s[1] as number) & 0x80) === 0) return -1;
  const b5 = s[5] as number;
  if ((b5 & 0x01) === 0) return -1; // current_next_indicator 0: not yet applicable
  // Only section 0 is used: it holds the first program and small PMTs fit in one section.
  if (s[6] !== 0) return -1;
  return (b5 >> 1) & 0x1f;
}

export function parsePat(s: Uint8Array, len: number): PatInfo | null {
  const version = longHeader(s, len, 0x00);
  if (version < 0) return null;
  for (let i = 8; i + 4 <= len - 4; i += 4) {
    const programNumber = ((s[i] as number) << 8) | (s[i + 1] as number);
    const pid = (((s[i + 2] as number) & 0x1f) << 8) | (s[i + 3] as number);
    if (programNumber !== 0) return { version, programNumber, pmtPid: pid };
  }
  return { version, programNumber: 0, pmtPid: -1 };
}

export function parsePmt(s: Uint8Array, len: number): PmtInfo | null {
  const version = longHeader(s, len, 0x02);
  if (version < 0) return null;
  const programNumber = ((s[3] as number) << 8) | (s[4] as number);
  const pcrPid = (((s[8] as number) & 0x1f) << 8) | (s[9] as number);
  const programInfo = (((s[10] as number) & 0x0f) << 8) | (s[11] as number);
  const end = len - 4;
  const streams: TsStreamInfo[] = [];
  let i = 12 + programInfo;
  if (i > end) return null;
  while (i + 5 <= end) {
    const streamType = s[i] as number;
    const pid = (((s[i + 1] as number) & 0x1f) << 8) | (s[i + 2] as number);
    const infoLen = (((s[i + 3] as number) & 0x0f) << 8) | (s[i + 4] as number);
    if (i + 5 + infoLen > end) return null;
    streams.push(classifyStream(pid, streamType, s.subarray(i + 5, i + 5 + infoLen)));
    i += 5 + infoLen;
  }
  return { programNumber, version, pcrPid, streams };
}
