import type { SrtTraceStats } from "./libsrt.js";

/** SRT statistics of an input, as shown in the status and exported as metrics. */
export interface SrtStatsSnapshot {
  rttMs: number;
  /** Totals over every connection this input has had. */
  packetsReceived: number;
  packetsLost: number;
  packetsDropped: number;
  packetsRetransmitted: number;
  /** Instant values of the current connection; 0 while disconnected. */
  receiveBufferMs: number;
  receiveRateKbps: number;
}

/**
 * Running SRT totals that survive reconnects: libsrt's counters restart at 0 with every
 * socket, so the totals of finished connections are kept here and the live one is added.
 */
export class SrtStatsAccumulator {
  private base = { received: 0, lost: 0, dropped: 0 };
  private cur = { received: 0, lost: 0, dropped: 0 };
  private retransmitted = 0;
  private instant = { rttMs: 0, receiveBufferMs: 0, receiveRateKbps: 0 };
  private seen = false;

  /** One srt_bstats(clear=1) sample of the live connection. */
  sample(s: SrtTraceStats): void {
    this.seen = true;
    this.cur = { received: s.pktRecvTotal, lost: s.pktRcvLossTotal, dropped: s.pktRcvDropTotal };
    // pktRcvRetrans is an interval counter (cleared by each sample): accumulate it.
    this.retransmitted += s.pktRcvRetrans;
    this.instant = {
      rttMs: s.msRTT,
      receiveBufferMs: s.msRcvBuf,
      receiveRateKbps: Math.round(s.mbpsRecvRate * 1000 * 10) / 10,
    };
  }

  /** The live connection ended (after a last `sample`): fold its totals into the base. */
  endConnection(): void {
    this.base = {
      received: this.base.received + this.cur.received,
      lost: this.base.lost + this.cur.lost,
      dropped: this.base.dropped + this.cur.dropped,
    };
    this.cur = { received: 0, lost: 0, dropped: 0 };
    this.instant = { rttMs: 0, receiveBufferMs: 0, receiveRateKbps: 0 };
  }

  snapshot(): SrtStatsSnapshot | null {
    if (!this.seen) return null;
    return {
      rttMs: this.instant.rttMs,
      packetsReceived: this.base.received + this.cur.received,
      packetsLost: this.base.lost + this.cur.lost,
      packetsDropped: this.base.dropped + this.cur.dropped,
      packetsRetransmitted: this.retransmitted,
      receiveBufferMs: this.instant.receiveBufferMs,
      receiveRateKbps: this.instant.receiveRateKbps,
    };
  }
}
