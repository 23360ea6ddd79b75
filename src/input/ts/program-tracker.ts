/**
 * Follows the PAT and the first program's PMT. A section is acted on only when it differs from
 * the last one accepted (version or content, as ffmpeg compares version and CRC), its CRC32 is
 * right and current_next_indicator is set. Repeated identical tables (muxers resend them every
 * ~100 ms) cost one byte comparison.
 */
import { crc32Mpeg2 } from "./crc32.js";
import { parsePat, parsePmt } from "./psi.js";
import { SectionAssembler } from "./section-assembler.js";
import type { TsProgram, TsStats } from "./ts-types.js";

export interface ProgramTrackerEvents {
  /** A PMT of the followed program was (re)read: after a new PMT, or the first one after a new PAT. */
  programRead(program: TsProgram): void;
  crcError(pid: number): void;
}

export class ProgramTracker {
  readonly pat: SectionAssembler;
  readonly pmt: SectionAssembler;
  pmtPid = -1;
  pcrPid = -1;
  private programNumber = -1;
  private lastPat: Buffer | null = null;
  private lastPmt: Buffer | null = null;

  constructor(
    private readonly events: ProgramTrackerEvents,
    private readonly stats: TsStats,
  ) {
    this.pat = new SectionAssembler({ section: (b, len) => this.onPat(b, len) });
    this.pmt = new SectionAssembler({ section: (b, len) => this.onPmt(b, len) });
  }

  private accept(b: Buffer, len: number, last: Buffer | null, pid: number): Buffer | null {
    if (last && last.length === len && b.compare(last, 0, len, 0, len) === 0) return null;
    if (crc32Mpeg2(b, 0, len) !== 0) {
      this.stats.crcErrors++;
      this.events.crcError(pid);
      return null;
    }
    return Buffer.from(b.subarray(0, len));
  }

  private onPat(b: Buffer, len: number): void {
    const section = this.accept(b, len, this.lastPat, 0);
    const pat = section && parsePat(section, len);
    if (!section || !pat) return;
    this.lastPat = section;
    if (pat.pmtPid !== this.pmtPid || pat.programNumber !== this.programNumber) {
      this.pmtPid = pat.pmtPid;
      this.programNumber = pat.programNumber;
      this.pmt.reset();
    }
    // A new PAT re-selects: the next PMT is read again even if it did not change.
    this.lastPmt = null;
  }

  private onPmt(b: Buffer, len: number): void {
    const section = this.accept(b, len, this.lastPmt, this.pmtPid);
    const pmt = section && parsePmt(section, len);
    // A PMT PID may carry the PMTs of several programs: only ours counts.
    if (!section || !pmt || pmt.programNumber !== this.programNumber) return;
    this.lastPmt = section;
    this.pcrPid = pmt.pcrPid;
    const selected = pmt.streams.find((s) => s.kind === "audio") ?? null;
    this.events.programRead({
      programNumber: pmt.programNumber,
      pmtPid: this.pmtPid,
      pcrPid: pmt.pcrPid,
      version: pmt.version,
      streams: pmt.streams,
      selected,
      supported: selected !== null && selected.codec !== null,
    });
  }
}
