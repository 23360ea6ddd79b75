/**
 * Calls the demuxer's listener so that a listener that throws is counted and reported, never
 * breaking the demuxer (the input must keep running whatever a consumer does).
 */
import type { EsFrame, TsDemuxerListener, TsDiscontinuity, TsError, TsProgram, TsStats } from "./ts-types.js";

export class ListenerGuard {
  constructor(
    private readonly listener: TsDemuxerListener,
    private readonly stats: TsStats,
  ) {}

  frame(f: EsFrame): void {
    try {
      this.listener.frame?.(f);
    } catch (e) {
      this.threw("frame", e);
    }
  }

  discontinuity(d: TsDiscontinuity): void {
    try {
      this.listener.discontinuity?.(d);
    } catch (e) {
      this.threw("discontinuity", e);
    }
  }

  program(p: TsProgram): void {
    try {
      this.listener.program?.(p);
    } catch (e) {
      this.threw("program", e);
    }
  }

  error(e: TsError): void {
    try {
      this.listener.error?.(e);
    } catch {
      this.stats.listenerErrors++;
    }
  }

  private threw(what: string, e: unknown): void {
    this.stats.listenerErrors++;
    const message = `${what} listener threw: ${e instanceof Error ? e.message : String(e)}`;
    this.error({ code: "listener-threw", message, pid: null, byteOffset: null });
  }
}
