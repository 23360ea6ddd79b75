/**
 * Who is listening: per channel, the clients (address + user agent) seen fetching media within
 * the channel's window (2 × segmentSec), with a hard bound on how many are tracked in all.
 *
 * Invariants:
 * - at most `maxClients` entries over all channels, whatever the log volume. An entry is one Map
 *   slot keyed by a 53-bit hash of address and user agent (never the strings themselves), so
 *   memory is ~`maxClients` × the measured bytes per entry (docs/monitoring.md);
 * - a new client arriving while the table is full is shed: not tracked, counted in `shed`.
 *   Clients already tracked keep being counted (a flood of new addresses cannot push the
 *   audience out), and room comes back as entries age out of their window;
 * - `count()` is exact for the clients tracked: entries older than the window are never counted.
 *
 * Each channel's Map is kept in last-touched order, so expiry usually only looks at its front;
 * lines that arrive out of time order (several caches, batching shippers) are handled by the
 * full sweep `count()` does. The clock is passed in: no timers here.
 */

export type TouchResult = "counted" | "shed" | "late";

export interface TableOptions {
  /** Window per channel, ms. */
  windowsMs: ReadonlyMap<string, number>;
  maxClients: number;
  /** Least time between two full sweeps forced by a full table (keeps a flood O(n) per sweep). */
  sweepEveryMs?: number;
}

/** A 53-bit hash of the client identity: two 32-bit multiply-xor lanes over UTF-16 code units. */
export function clientKey(addr: string, ua: string): number {
  let a = 0x811c9dc5 ^ addr.length;
  let b = 0x2545f491 ^ ua.length;
  const s = `${addr}\n${ua}`;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
  b ^= b >>> 16;
  return (b >>> 11) * 0x100000000 + (a >>> 0);
}

export class ListenerTable {
  /** Clients shed because the table was full (monotonic). */
  shed = 0;
  private readonly channels = new Map<string, Map<number, number>>();
  private size = 0;
  private lastForcedSweep = -Infinity;

  constructor(private readonly o: TableOptions) {
    for (const ch of o.windowsMs.keys()) this.channels.set(ch, new Map());
  }

  /** Clients tracked now (all channels), ≤ maxClients. */
  get tracked(): number {
    return this.size;
  }

  get maxClients(): number {
    return this.o.maxClients;
  }

  has(channel: string): boolean {
    return this.channels.has(channel);
  }

  /** Records that `key` fetched media of `channel` at `tsMs`. The channel must be known. */
  touch(channel: string, key: number, tsMs: number, nowMs: number): TouchResult {
    const map = this.channels.get(channel);
    const windowMs = this.o.windowsMs.get(channel);
    if (!map || windowMs === undefined) throw new Error(`unknown channel "${channel}"`);
    // A cache whose clock runs ahead must not keep its clients longer than the window.
    const ts = Math.min(tsMs, nowMs);
    if (ts < nowMs - windowMs) return "late";
    const prev = map.get(key);
    if (prev !== undefined) {
      map.delete(key);
      map.set(key, Math.max(prev, ts));
      return "counted";
    }
    this.expireFront(map, nowMs - windowMs);
    if (this.size >= this.o.maxClients && nowMs - this.lastForcedSweep >= (this.o.sweepEveryMs ?? 250)) {
      this.lastForcedSweep = nowMs;
      this.sweepAll(nowMs);
    }
    if (this.size >= this.o.maxClients) {
      this.shed++;
      return "shed";
    }
    map.set(key, ts);
    this.size++;
    return "counted";
  }

  /** Listeners of `channel` now: clients seen within its window. Sweeps the channel. */
  count(channel: string, nowMs: number): number {
    const map = this.channels.get(channel);
    const windowMs = this.o.windowsMs.get(channel);
    if (!map || windowMs === undefined) return 0;
    this.sweep(map, nowMs - windowMs);
    return map.size;
  }

  /** Drops every entry older than its channel's window. */
  sweepAll(nowMs: number): void {
    for (const [ch, map] of this.channels) this.sweep(map, nowMs - (this.o.windowsMs.get(ch) ?? 0));
  }

  private expireFront(map: Map<number, number>, cutoff: number): void {
    for (const [k, seen] of map) {
      if (seen >= cutoff) return;
      map.delete(k);
      this.size--;
    }
  }

  private sweep(map: Map<number, number>, cutoff: number): void {
    for (const [k, seen] of map) {
      if (seen < cutoff) {
        map.delete(k);
        this.size--;
      }
    }
  }
}
