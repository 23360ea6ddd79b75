/**
 * Cuts an arbitrary byte stream into 188-byte MPEG-TS packets (or the 188-byte head of 204-byte
 * Reed-Solomon packets), whatever the chunking, including splits inside a packet.
 *
 * Sync: a position is a packet start when 0x47 appears there and one and two packet lengths
 * later (three syncs), trying 188 first, then 204. In sync, a packet is handed on once the sync
 * byte of the NEXT packet is seen (or at `end()`). When that byte is not a sync, the packet is
 * held until sync is found again: if the next packet starts less than one packet length after
 * it, the held packet was cut short (a sender restarted mid-packet) and is discarded rather than
 * glued to the next packet's bytes; otherwise it was whole, followed by garbage, and is kept.
 * The price is that the last packet of a chunk waits for the next chunk's first byte.
 *
 * No allocation per packet: packets are views into the pushed chunk, into the carry (bytes kept
 * between pushes) or, for the one packet a push may split, into a reused scratch buffer.
 */
import type { TsStats } from "./ts-types.js";

export const TS_PACKET = 188;
const RS_PACKET = 204;
const SYNC = 0x47;

export interface PacketSink {
  /** One packet at buf[off, off + 188); `byteOffset` is its position in the input. */
  tsPacket(buf: Buffer, off: number, byteOffset: number): void;
  /** Sync was lost at `byteOffset` (bytes are skipped until three syncs line up again). */
  tsSyncLost(byteOffset: number): void;
  /** Sync was (re)acquired with this packet size. */
  tsSynced(size: number, byteOffset: number): void;
}

export class PacketAligner {
  private readonly carry = Buffer.allocUnsafe(3 * RS_PACKET);
  private carryLen = 0;
  /** Input offset of carry[0]. */
  private base = 0;
  private size = 0;
  private readonly scratch = Buffer.allocUnsafe(RS_PACKET);
  // The current push: positions p are over carry ⧺ chunk.
  private chunk: Buffer = this.carry;
  private total = 0;
  /** A packet whose successor did not start with a sync byte (-1 none); see the header comment. */
  private held = -1;
  private heldSize = 0;

  constructor(
    private readonly sink: PacketSink,
    private readonly stats: TsStats,
  ) {}

  push(chunk: Buffer): void {
    this.stats.bytesIn += chunk.length;
    this.chunk = chunk;
    this.total = this.carryLen + chunk.length;
    this.keep(this.run(0, false));
  }

  /** End of input: the last packet needs no following sync byte. */
  end(): void {
    this.chunk = this.carry.subarray(0, 0);
    this.total = this.carryLen;
    const p = this.run(0, true);
    this.stats.garbageBytes += this.total - p;
    this.base += this.total;
    this.carryLen = 0;
    this.size = 0;
    this.held = -1;
  }

  private at(i: number): number {
    return i < this.carryLen ? (this.carry[i] as number) : (this.chunk[i - this.carryLen] as number);
  }

  private run(p: number, final: boolean): number {
    for (;;) {
      if (this.size > 0) {
        p = this.inSync(p, final);
        if (this.size > 0) return p; // stopped for lack of bytes
      }
      const found = this.search(p, final);
      if (found < 0) return -found - 1;
      p = found;
    }
  }

  /** Hands on packets while sync holds; sets size 0 when it breaks. Returns where it stopped. */
  private inSync(p: number, final: boolean): number {
    const s = this.size;
    const total = this.total;
    if (p >= this.carryLen) {
      // Fast path: walk the chunk directly.
      const c = this.chunk;
      let q = p - this.carryLen;
      const base = this.base + this.carryLen;
      while (q + s < c.length && c[q] === SYNC && c[q + s] === SYNC) {
        this.sink.tsPacket(c, q, base + q);
        q += s;
      }
      p = q + this.carryLen;
    }
    while (p + s <= total) {
      const lastOne = p + s === total;
      if (this.at(p) !== SYNC) return this.lost(p, p);
      if (!lastOne && this.at(p + s) !== SYNC) {
        this.held = p; // whole, or cut short? The next sync found decides.
        this.heldSize = s;
        return this.lost(p + s, p + 1);
      }
      if (lastOne && !final) return p;
      this.emit(p, s);
      p += s;
    }
    return p;
  }

  private lost(at: number, resumeAt: number): number {
    this.size = 0;
    this.stats.syncLosses++;
    this.sink.tsSyncLost(this.base + at);
    return resumeAt;
  }

  private emit(p: number, s: number): void {
    const cl = this.carryLen;
    if (p >= cl) this.sink.tsPacket(this.chunk, p - cl, this.base + p);
    else if (p + s <= cl) this.sink.tsPacket(this.carry, p, this.base + p);
    else {
      this.carry.copy(this.scratch, 0, p, cl);
      this.chunk.copy(this.scratch, cl - p, 0, s - (cl - p));
      this.sink.tsPacket(this.scratch, 0, this.base + p);
    }
  }

  /** Settles the held packet once sync is known to resume at `q` (or not before `q`). */
  private settleHeld(q: number): number {
    const h = this.held;
    if (h < 0) return -1;
    if (q >= h + this.heldSize) {
      this.emit(h, this.heldSize);
      this.held = -1;
      return h + this.heldSize;
    }
    return -1;
  }

  /**
   * Looks for three syncs in a row from `p`. Returns the position found (size set), or
   * -(keep + 1) where `keep` is the first byte to keep for the next push.
   */
  private search(p: number, final: boolean): number {
    const total = this.total;
    for (let q = p; q < total; q = this.nextSync(q + 1)) {
      const after = this.settleHeld(q);
      if (after >= 0) p = after;
      if (this.at(q) !== SYNC) continue;
      for (let s = TS_PACKET; s <= RS_PACKET; s += RS_PACKET - TS_PACKET) {
        if (q + 2 * s >= total) {
          if (final) continue;
          return -this.keepFrom(p, q) - 1;
        }
        if (this.at(q + s) === SYNC && this.at(q + 2 * s) === SYNC) return this.found(p, q, s);
      }
    }
    const after = this.settleHeld(total);
    if (after >= 0) p = after;
    if (this.held >= 0 && !final) return -this.keepFrom(p, total) - 1;
    this.found(p, total, 0);
    return -total - 1;
  }

  /** Sync resumes at q with packet size s (0: no sync, end of data). */
  private found(p: number, q: number, s: number): number {
    // A packet still held here was cut short by the packet that starts at q.
    if (this.held >= 0) p = Math.min(p, this.held);
    this.held = -1;
    this.stats.garbageBytes += q - p;
    if (s === 0) return q;
    this.size = s;
    this.stats.packetSize = s;
    this.sink.tsSynced(s, this.base + q);
    return q;
  }

  /** Counts [p, q) as garbage except a held packet, which is kept with what follows it. */
  private keepFrom(p: number, q: number): number {
    if (this.held >= 0) return Math.min(p, this.held);
    this.stats.garbageBytes += q - p;
    return q;
  }

  /** First position ≥ q holding a sync byte (or total). */
  private nextSync(q: number): number {
    const cl = this.carryLen;
    for (; q < cl; q++) if (this.carry[q] === SYNC) return q;
    const i = this.chunk.indexOf(SYNC, q - cl);
    return i < 0 ? this.total : i + cl;
  }

  /** Keeps total[p, end) as the carry for the next push. */
  private keep(p: number): void {
    const n = this.total - p;
    const cl = this.carryLen;
    if (p < cl) {
      this.carry.copyWithin(0, p, cl);
      this.chunk.copy(this.carry, cl - p);
    } else {
      this.chunk.copy(this.carry, 0, p - cl);
    }
    this.base += p;
    this.carryLen = n;
    if (this.held >= 0) this.held -= p;
  }
}
