/**
 * One epoll wait loop per process over libsrt sockets (the reactor).
 *
 * Why one epoll per process: koffi runs async calls on the libuv pool (4 threads by default),
 * and a waiting srt_epoll_uwait holds one of them for up to `waitMs`. One wait per input would
 * starve file I/O and DNS once a channel has 4+ SRT inputs; one shared wait costs one thread.
 */
import type { Logger } from "pino";
import type { Clock } from "../../clock/clock.js";
import type { LibSrt } from "./libsrt.js";

const STAGING_BYTES = 64 * 1024;

export interface ReactorOptions {
  clock: Clock;
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
    this.loop ??= this.run();
  }

  unwatch(sock: number): void {
    if (!this.handlers.delete(sock)) return;
    if (this.eid >= 0) this.lib.epollRemove(this.eid, sock);
  }

  /** Resolves once the wait loop has stopped (it stops by itself when nothing is watched). */
  async stopped(): Promise<void> {
    await this.loop;
  }

  private async run(): Promise<void> {
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
        for (let i = 0; i < n; i++) {
          const handler = this.handlers.get(events.readInt32LE(i * 8));
          if (!handler) continue;
          try {
            handler(events.readInt32LE(i * 8 + 4));
          } catch (err) {
            this.opts.log?.error({ err }, "srt event handler threw");
          }
        }
        if (n > 0 && this.coalesceMs > 0 && this.handlers.size > 0)
          await this.opts.clock.sleep(this.coalesceMs);
      }
    } finally {
      // Nothing is waiting on the epoll any more: releasing it here cannot race a wait.
      if (this.eid >= 0 && this.handlers.size === 0) {
        this.lib.epollRelease(this.eid);
        this.eid = -1;
      }
      this.loop = null;
      if (this.handlers.size > 0) this.loop = this.run();
    }
  }
}
