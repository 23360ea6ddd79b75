/**
 * HLS push to an HTTP origin (a WebDAV server: PUT, and DELETE of segments that aged out),
 * shared by the instances of a channel (docs/redundancy.md, "Push to an origin").
 *
 * Why two instances can push the same names to one origin:
 * - epoch-locked names, EXTINF and PDT are identical, so a segment from either instance plays in
 *   the other's playlist, and the two playlists list the same sequences: whoever writes last
 *   writes the same thing (a queued playlist is superseded by a newer one, never sent late);
 * - a degraded instance (safety or blank) must not replace the studio audio its healthy peer
 *   put there: it waits `degradedDelayMs` so the peer goes first, asks whether the segment is
 *   there (HEAD) and offers it create-only (`If-None-Match: *`; 412 = the peer's copy stays).
 *   Nginx's DAV module ignores the condition, hence the HEAD. When the peer is gone, or also
 *   degraded and late, the origin still gets every segment: the stream never stops there;
 * - DELETE of a file already gone (the peer deleted it) is fine.
 *
 * Never blocks the local output: calls only queue (push-queue.ts). One request at a time, in
 * order; failures retried with exponential backoff (1 s doubling to 30 s by default) on the
 * injected clock; every response counted by code ("error" when none came).
 */
import http from "node:http";
import https from "node:https";
import type { Logger } from "../../types/index.js";
import { PushQueue, type PushItem } from "./push-queue.js";
import type { PutSegmentOptions, SegmentStore } from "./segment-store.js";

/** The part of the channel's Clock the store needs. */
export interface StoreClock {
  monoMs(): number;
  timeout(fn: () => void, ms: number): { cancel(): void };
}

export interface OriginRequest {
  method: string;
  name: string;
  body: Buffer | null;
  headers: Record<string, string>;
}

export interface OriginTransport {
  /** Sends one request; resolves with the status code, or "error" when no response came. */
  send(r: OriginRequest): Promise<number | "error">;
  close(): void;
}

export interface OriginStoreOptions {
  url: string;
  method: "PUT" | "POST";
  clock: StoreClock;
  log: Logger;
  /** Catalogued error reporting (ANTENNE_HLS_PUSH_FAILED / _DROPPED). */
  report?: (
    code: "ANTENNE_HLS_PUSH_FAILED" | "ANTENNE_HLS_PUSH_DROPPED",
    fields: Record<string, unknown>,
  ) => void;
  transport?: OriginTransport;
  maxQueue?: number;
  /** Tries per item, first one included. */
  maxAttempts?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  timeoutMs?: number;
  /** How long a degraded instance lets a healthy peer go first. */
  degradedDelayMs?: number;
}

export interface PushStats {
  queued: number;
  sent: number;
  dropped: number;
  failed: number;
  /** Responses by HTTP status code, plus "error" for requests that got none. */
  codes: Record<string, number>;
}

export function contentTypeOf(name: string): string {
  if (name.endsWith(".m3u8")) return "application/vnd.apple.mpegurl";
  if (name.endsWith(".ts")) return "video/mp2t";
  return "application/octet-stream";
}

/** Statuses a later retry can fix; other 4xx are the request's fault. */
function retryable(code: number | "error"): boolean {
  return code === "error" || code >= 500 || code === 408 || code === 429;
}

export class OriginStore implements SegmentStore {
  private readonly queue: PushQueue;
  private readonly codes = new Map<string, number>();
  private readonly transport: OriginTransport;
  private readonly closeSignal: Promise<void>;
  private signalClose: () => void = () => undefined;
  private wake: (() => void) | null = null;
  private sent = 0;
  private failed = 0;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly o: OriginStoreOptions) {
    this.queue = new PushQueue(o.maxQueue ?? 100);
    this.transport = o.transport ?? httpTransport(o.url, o.timeoutMs ?? 10_000);
    this.closeSignal = new Promise((r) => (this.signalClose = r));
  }

  putSegment(name: string, data: Buffer, s: PutSegmentOptions): Promise<void> {
    this.enqueue("segment", name, data, s.degraded);
    return Promise.resolve();
  }

  putPlaylist(name: string, text: string, s: { degraded: boolean }): Promise<void> {
    this.enqueue("playlist", name, Buffer.from(text), s.degraded);
    return Promise.resolve();
  }

  delete(name: string): Promise<void> {
    this.enqueue("delete", name, null, false);
    return Promise.resolve();
  }

  stats(): PushStats {
    return {
      queued: this.queue.length,
      sent: this.sent,
      dropped: this.queue.dropped,
      failed: this.failed,
      codes: Object.fromEntries(this.codes),
    };
  }

  /** Resolves when the queue is empty (graceful stop, tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.clear();
    this.signalClose();
    this.transport.close(); // aborts a request in flight: closing never waits for the origin
    await this.idle();
  }

  private enqueue(kind: PushItem["kind"], name: string, data: Buffer | null, degraded: boolean): void {
    if (this.closed) return;
    const delay = degraded ? (this.o.degradedDelayMs ?? 0) : 0;
    const item: PushItem = {
      kind,
      name,
      data,
      degraded,
      notBeforeMs: this.o.clock.monoMs() + delay,
      attempts: 0,
    };
    for (const d of this.queue.add(item)) {
      this.o.report?.("ANTENNE_HLS_PUSH_DROPPED", { file: d.name, dropped: this.queue.dropped });
    }
    this.wake?.();
    this.running ??= this.run().finally(() => (this.running = null));
  }

  private async run(): Promise<void> {
    while (!this.closed && this.queue.length > 0) {
      const now = this.o.clock.monoMs();
      const item = this.queue.take(now);
      if (!item) {
        await this.pause((this.queue.nextDueMs() ?? now) - now, true);
        continue;
      }
      await this.deliver(item);
    }
  }

  /** Sends one item until it succeeds, is given up, or is superseded. */
  private async deliver(item: PushItem): Promise<void> {
    while (!this.closed) {
      item.attempts++;
      const code = await this.attempt(item);
      if (code === "done") {
        this.sent++;
        return;
      }
      if (!retryable(code) || item.attempts >= (this.o.maxAttempts ?? 5)) {
        this.failed++;
        this.o.report?.("ANTENNE_HLS_PUSH_FAILED", { file: item.name, code, attempts: item.attempts });
        return;
      }
      await this.pause(this.backoffMs(item.attempts), false);
      if (this.queue.superseded(item)) return;
    }
  }

  /** One try: "done" on success (including "already there"), else the failing code. */
  private async attempt(item: PushItem): Promise<"done" | number | "error"> {
    if (item.kind === "delete") {
      const code = await this.request("DELETE", item.name, null, {});
      return code === 404 || ok(code) ? "done" : code;
    }
    if (item.kind === "segment" && item.degraded) {
      const head = await this.request("HEAD", item.name, null, {});
      if (ok(head)) return "done";
      if (head !== 404) return head;
    }
    const headers: Record<string, string> = { "content-type": contentTypeOf(item.name) };
    if (item.kind === "segment" && item.degraded) headers["if-none-match"] = "*";
    const code = await this.request(this.o.method, item.name, item.data, headers);
    return ok(code) || (code === 412 && item.degraded) ? "done" : code;
  }

  private async request(
    method: string,
    name: string,
    body: Buffer | null,
    headers: Record<string, string>,
  ): Promise<number | "error"> {
    const code = await this.transport.send({ method, name, body, headers });
    const k = String(code);
    this.codes.set(k, (this.codes.get(k) ?? 0) + 1);
    return code;
  }

  private backoffMs(attempts: number): number {
    const initial = this.o.backoffInitialMs ?? 1000;
    return Math.min(this.o.backoffMaxMs ?? 30_000, initial * 2 ** (attempts - 1));
  }

  /** Waits `ms` on the clock, or less when closed (or, with `wakeable`, when an item arrives). */
  private async pause(ms: number, wakeable: boolean): Promise<void> {
    let timer: { cancel(): void } | null = null;
    const waits = [
      new Promise<void>((r) => (timer = this.o.clock.timeout(r, Math.max(0, ms)))),
      this.closeSignal,
    ];
    if (wakeable) waits.push(new Promise<void>((r) => (this.wake = r)));
    await Promise.race(waits);
    (timer as { cancel(): void } | null)?.cancel();
    this.wake = null;
  }
}

function ok(code: number | "error"): boolean {
  return typeof code === "number" && code >= 200 && code < 300;
}

/** Node's http(s) client with one keep-alive connection to the origin. */
export function httpTransport(base: string, timeoutMs: number): OriginTransport {
  const lib = base.startsWith("https:") ? https : http;
  const agent = new lib.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (r: OriginRequest) =>
    new Promise<number | "error">((resolve) => {
      let settled = false;
      const settle = (v: number | "error") => {
        if (!settled) resolve(v);
        settled = true;
      };
      let req: http.ClientRequest;
      try {
        const headers = { ...r.headers, ...(r.body ? { "content-length": String(r.body.length) } : {}) };
        req = lib.request(base + r.name, { method: r.method, agent, timeout: timeoutMs, headers });
      } catch {
        settle("error");
        return;
      }
      req.on("response", (res) => {
        res.resume(); // drained, so the keep-alive socket is reused
        res.on("end", () => settle(res.statusCode ?? 0));
        res.on("error", () => settle(res.statusCode ?? "error"));
      });
      req.on("timeout", () => req.destroy(new Error("origin request timed out")));
      req.on("error", () => settle("error"));
      req.end(r.body ?? undefined);
    });
  return { send, close: () => agent.destroy() };
}
