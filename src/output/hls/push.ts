/**
 * Optional push of finished segments and playlists to an HTTP origin
 * (`url + filename`, PUT or POST). It runs beside the local output and never
 * blocks it: items go into a bounded queue (the oldest is dropped and counted when
 * the target is too slow), one request at a time in order, so a segment always
 * reaches the origin before the playlist that lists it. Failures are retried with
 * exponential backoff; every response code (and "error" for no response) is counted.
 */
import http from "node:http";
import https from "node:https";
import type { Clock } from "../../clock/clock.js";
import type { Closable, Logger } from "../../types/index.js";
import { backoffDelayMs } from "../../util/backoff.js";

export interface PushOptions {
  url: string;
  method: "PUT" | "POST";
  log: Logger;
  clock: Clock;
  /** Items waiting (not counting the one in flight). */
  maxQueue?: number;
  /** Tries per item, first one included. */
  maxAttempts?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  timeoutMs?: number;
}

export interface PushStats {
  queued: number;
  sent: number;
  /** Dropped from a full queue. */
  dropped: number;
  /** Gave up after maxAttempts or on a non-retryable status. */
  failed: number;
  /** Responses by HTTP status code, plus "error" for requests that got none. */
  codes: Record<string, number>;
}

interface Item {
  name: string;
  data: Buffer;
  contentType: string;
  attempts: number;
}

export function contentTypeOf(name: string): string {
  if (name.endsWith(".m3u8")) return "application/vnd.apple.mpegurl";
  if (name.endsWith(".ts")) return "video/mp2t";
  return "application/octet-stream";
}

/** Statuses that a later retry can fix; other 4xx are the request's fault and are not retried. */
function retryable(code: number): boolean {
  return code >= 500 || code === 408 || code === 429;
}

export class HlsPusher implements Closable {
  private readonly queue: Item[] = [];
  private readonly codes = new Map<string, number>();
  private readonly agent: http.Agent;
  private readonly maxQueue: number;
  private readonly maxAttempts: number;
  private sent = 0;
  private dropped = 0;
  private failed = 0;
  private running: Promise<void> | null = null;
  private closed = false;
  private wake: (() => void) | null = null;
  private inFlight: http.ClientRequest | null = null;

  constructor(private readonly o: PushOptions) {
    this.maxQueue = o.maxQueue ?? 100;
    this.maxAttempts = o.maxAttempts ?? 5;
    const Agent = o.url.startsWith("https:") ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 1 });
  }

  /**
   * Queues `name`. With `replace` (playlists), a queued older version of the same
   * file is dropped: only the newest playlist matters.
   */
  push(name: string, data: Buffer | string, replace = false): void {
    if (this.closed) return;
    if (replace) {
      const i = this.queue.findIndex((q) => q.name === name);
      if (i >= 0) this.queue.splice(i, 1);
    }
    this.queue.push({ name, data: Buffer.from(data), contentType: contentTypeOf(name), attempts: 0 });
    while (this.queue.length > this.maxQueue) {
      this.queue.shift();
      this.dropped++;
    }
    this.running ??= this.run().finally(() => (this.running = null));
  }

  stats(): PushStats {
    return {
      queued: this.queue.length,
      sent: this.sent,
      dropped: this.dropped,
      failed: this.failed,
      codes: Object.fromEntries(this.codes),
    };
  }

  /** Resolves when the queue is empty (for graceful stop and tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.wake?.();
    this.inFlight?.destroy();
    await this.idle();
    this.agent.destroy();
  }

  private async run(): Promise<void> {
    for (let item = this.queue.shift(); item && !this.closed; item = this.queue.shift()) {
      for (;;) {
        item.attempts++;
        const code = await this.send(item);
        this.count(code);
        if (typeof code === "number" && code >= 200 && code < 300) {
          this.sent++;
          break;
        }
        const again = (code === "error" || retryable(code)) && item.attempts < this.maxAttempts;
        if (!again || this.closed) {
          this.failed++;
          this.o.log.warn({ file: item.name, code, attempts: item.attempts }, "HLS push gave up on a file");
          break;
        }
        await this.sleep(this.backoffMs(item.attempts));
        if (this.closed) break;
      }
    }
  }

  private backoffMs(attempts: number): number {
    return backoffDelayMs(attempts - 1, { initialMs: this.o.backoffInitialMs, maxMs: this.o.backoffMaxMs });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = this.o.clock.timeout(done, ms);
      function done() {
        t.cancel();
        resolve();
      }
      this.wake = done;
    });
  }

  private count(code: number | "error"): void {
    const k = String(code);
    this.codes.set(k, (this.codes.get(k) ?? 0) + 1);
  }

  private send(item: Item): Promise<number | "error"> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (v: number | "error") => {
        if (settled) return;
        settled = true;
        this.inFlight = null;
        resolve(v);
      };
      const lib = this.o.url.startsWith("https:") ? https : http;
      let req: http.ClientRequest;
      try {
        req = lib.request(this.o.url + item.name, {
          method: this.o.method,
          agent: this.agent,
          timeout: this.o.timeoutMs ?? 10_000,
          headers: { "content-type": item.contentType, "content-length": item.data.length },
        });
      } catch (err) {
        this.o.log.warn({ err, file: item.name }, "HLS push request could not be made");
        settle("error");
        return;
      }
      this.inFlight = req;
      req.on("response", (res) => {
        res.resume(); // drain so the keep-alive socket is reused
        res.on("end", () => settle(res.statusCode ?? 0));
        res.on("error", () => settle(res.statusCode ?? "error"));
      });
      req.on("timeout", () => req.destroy(new Error("push request timed out")));
      req.on("error", (err) => {
        this.o.log.debug({ err, file: item.name }, "HLS push request failed");
        settle("error");
      });
      req.end(item.data);
    });
  }
}
