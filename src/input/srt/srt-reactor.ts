/**
 * One epoll set per process over libsrt sockets (the reactor), and two ways to learn what is
 * ready in it:
 *
 * - **driven** (the daemon): the owner calls `poll()` on its own schedule, the program tick that
 *   reads the audio anyway; a non-blocking srt_epoll_uwait (timeout 0) on the main thread, no
 *   thread waits at all. A waiting srt_epoll_uwait is not idle: libsrt waits on its global event
 *   in 10 ms slices, so a pool thread parked in it woke ~100 times a second, and each return woke
 *   the event loop (measured on the SPEC job: the pool threads 140 wake-ups/s).
 * - **waiting** (no tick to ride on: tools, tests of bare inputs): a wait loop on the libuv pool.
 *   koffi runs async calls there (4 threads by default) and a waiting srt_epoll_uwait holds one
 *   for up to `waitMs`: one shared wait per process, not one per input, so file I/O and DNS keep
 *   the rest. `poll()` works here too (it only reads readiness), so a tick may call it anyway.
 */
import type { Logger } from "pino";
import type { Clock } from "../../clock/clock.js";
import type { LibSrt } from "./libsrt.js";

const STAGING_BYTES = 64 * 1024;

export interface ReactorOptions {
  clock: Clock;
  /** The owner calls `poll()` regularly (every program tick): no wait loop, no pool thread. */
  driven?: boolean;
  /** srt_epoll_uwait timeout: bounds how long close() waits for the loop to stop. */
  waitMs?: number;
  /**
   * Pause after a wake-up that had events, so packets of several sockets are read in one
   * pass instead of one pool round-trip per packet. Adds at most this much latency.
   */
  coalesceMs?: number;
  log?: Logger;
}

type Handler = (events: number) => void;

export class SrtReactor {
  private eid = -1;
  private readonly handlers = new Map<number, Handler>();
  private loop: Promise<void> | null = null;
  private readonly waitMs: number;
  private readonly coalesceMs: number;
  /** Shared receive staging area: handlers run one at a time on the main thread. */
  readonly staging = Buffer.alloc(STAGING_BYTES);
  wakeups = 0;
  private readonly events = Buffer.alloc(8 * 64);
  private lastPollKey = NaN;

  constructor(
    readonly lib: LibSrt,
    private readonly opts: ReactorOptions,
  ) {
    this.waitMs = opts.waitMs ?? 100;
    this.coalesceMs = opts.coalesceMs ?? 5;
  }

  get size(): number {
    return this.handlers.size;
  }

  watch(sock: number, events: number, handler: Handler): void {
    if (this.eid < 0) this.eid = this.lib.epollCreate();
    if (this.handlers.has(sock)) this.lib.epollUpdate(this.eid, sock, events);
    else this.lib.epollAdd(this.eid, sock, events);
    this.handlers.set(sock, handler);
    if (!this.opts.driven) this.loop ??= this.run();
  }

  unwatch(sock: number): void {
    if (!this.handlers.delete(sock)) return;
    if (this.eid < 0) return;
    this.lib.epollRemove(this.eid, sock);
    // Driven, nothing can be waiting on the set: release it with its last socket.
    if (this.opts.driven && this.handlers.size === 0) this.release();
  }

  /**
   * Dispatches what is ready now, without waiting. `key` (the tick's time) makes the calls of
   * several inputs on one tick a single poll: one call dispatches every socket's events.
   */
  poll(key?: number): void {
    if (key !== undefined) {
      if (key === this.lastPollKey) return;
      this.lastPollKey = key;
    }
    if (this.eid < 0 || this.handlers.size === 0) return;
    let n: number;
    try {
      n = this.lib.epollPoll(this.eid, this.events);
    } catch (err) {
      this.opts.log?.error({ err }, "srt epoll poll failed");
      return;
    }
    this.dispatch(n, this.events);
  }

  /** Resolves once the wait loop has stopped (it stops by itself when nothing is watched). */
  async stopped(): Promise<void> {
    await this.loop;
  }

  private async run(): Promise<void> {
    // Not `this.events`: a pool thread writes this one while a tick's poll() may use that one.
    const events = Buffer.alloc(8 * 64);
    try {
      while (this.handlers.size > 0) {
        let n: number;
        try {
          n = await this.lib.epollWait(this.eid, events, this.waitMs);
        } catch (err) {
          this.opts.log?.error({ err }, "srt epoll wait failed");
          await this.opts.clock.sleep(this.waitMs);
          continue;
        }
        this.wakeups++;
        this.dispatch(n, events);
        if (n > 0 && this.coalesceMs > 0 && this.handlers.size > 0)
          await this.opts.clock.sleep(this.coalesceMs);
      }
    } finally {
      // Nothing is waiting on the epoll any more: releasing it here cannot race a wait.
      if (this.handlers.size === 0) this.release();
      this.loop = null;
      if (this.handlers.size > 0) this.loop = this.run();
    }
  }

  private dispatch(n: number, events: Buffer): void {
    for (let i = 0; i < n; i++) {
      const handler = this.handlers.get(events.readInt32LE(i * 8));
      if (!handler) continue;
      try {
        handler(events.readInt32LE(i * 8 + 4));
      } catch (err) {
        this.opts.log?.error({ err }, "srt event handler threw");
      }
    }
  }

  private release(): void {
    if (this.eid < 0) return;
    this.lib.epollRelease(this.eid);
    this.eid = -1;
  }
}
