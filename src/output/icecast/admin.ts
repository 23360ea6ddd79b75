/**
 * Icecast's admin interface for one mount: listener counts polled from /admin/stats and
 * now-playing updates through /admin/metadata. Failures are logged, never thrown.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Clock, TimerHandle } from "../../clock/clock.js";
import type { ErrorReporter } from "../../errors/reporter.js";
import type { Closable, Logger } from "../../types/index.js";
import { parseAdminUrl, redactUrl, type AdminEndpoint } from "./request.js";
import { parseIcecastStats, type IcecastMountStats } from "./stats.js";

export interface NowPlaying {
  title?: string | undefined;
  artist?: string | undefined;
}

export interface IcecastAdminOptions {
  /** Our mount, "/fip-hifi.aac". */
  mount: string;
  /** The output id (error reports name it). */
  output: string;
  /** The source URL: its credentials update metadata when there is no admin URL. */
  sourceUrl: string;
  /** "http(s)://admin:pass@host:port": enables listener polling. */
  adminUrl: string | null;
  log: Logger;
  clock: Clock;
  errors: ErrorReporter;
  pollIntervalMs?: number;
  requestTimeoutMs?: number;
}

/** "artist - title", or whichever of the two is set. */
export function songOf(meta: NowPlaying): string {
  const artist = meta.artist?.trim() ?? "";
  const title = meta.title?.trim() ?? "";
  return artist && title ? `${artist} - ${title}` : artist || title;
}

/** The metadata request path; `song` is percent-encoded UTF-8 and the charset says so. */
export function metadataPath(mount: string, song: string): string {
  const q = new URLSearchParams({ mount, mode: "updinfo", song, charset: "UTF-8" });
  return `/admin/metadata?${q.toString().replace(/\+/g, "%20")}`;
}

const MAX_BODY = 1 << 20;

/** One GET on the admin interface, over TLS for an https URL (certificates checked). */
function get(ep: AdminEndpoint, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = ep.tls ? httpsRequest : httpRequest;
    const req = request(
      { host: ep.host, port: ep.port, path, method: "GET", auth: ep.auth, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size <= MAX_BODY) chunks.push(c);
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

export class IcecastAdmin implements Closable {
  /** Listeners on our mount at the last successful poll; null when unknown. */
  listeners: number | null = null;
  lastStats: IcecastMountStats | null = null;
  private timer: TimerHandle | null = null;
  private closed = false;
  private polling = false;
  private readonly admin: AdminEndpoint | null;
  private readonly meta: AdminEndpoint;
  private lastPollError: string | null = null;

  constructor(private readonly opts: IcecastAdminOptions) {
    this.admin = opts.adminUrl ? parseAdminUrl(opts.adminUrl, "admin") : null;
    this.meta = this.admin ?? parseAdminUrl(opts.sourceUrl, "source");
  }

  /** Starts polling listener counts (only with an admin URL). */
  start(): void {
    if (this.closed || this.timer || !this.admin) return;
    void this.pollOnce();
    this.timer = this.opts.clock.interval(() => void this.pollOnce(), this.opts.pollIntervalMs ?? 10_000, {
      unref: true,
    });
  }

  /** One poll of /admin/stats; resolves to our mount's stats, or null. Never rejects. */
  async pollOnce(): Promise<IcecastMountStats | null> {
    if (!this.admin || this.polling || this.closed) return this.lastStats;
    this.polling = true;
    try {
      const r = await get(this.admin, "/admin/stats", this.opts.requestTimeoutMs ?? 5000);
      if (r.status !== 200)
        throw new Error(`HTTP ${r.status}${r.status === 401 ? " (bad admin credentials)" : ""}`);
      const mine = parseIcecastStats(r.body).get(this.opts.mount) ?? null;
      this.lastStats = mine;
      // No source on the mount means nobody listens to it (its listeners moved or left).
      this.listeners = mine ? (mine.listeners ?? 0) : 0;
      this.lastPollError = null;
      return mine;
    } catch (err) {
      const msg = (err as Error).message;
      this.listeners = null;
      // One line per distinct failure, not one every poll.
      if (msg !== this.lastPollError) {
        this.opts.errors.report("ANTENNE_ICECAST_ADMIN_FAILED", {
          output: this.opts.output,
          url: redactUrl(this.opts.adminUrl ?? ""),
          request: "stats",
          reason: msg,
        });
      }
      this.lastPollError = msg;
      return null;
    } finally {
      this.polling = false;
    }
  }

  /** Sends now-playing info for our mount; resolves true when the server took it. Never rejects. */
  async updateMetadata(meta: NowPlaying): Promise<boolean> {
    const song = songOf(meta);
    if (this.closed) return false;
    try {
      const r = await get(this.meta, metadataPath(this.opts.mount, song), this.opts.requestTimeoutMs ?? 5000);
      if (r.status !== 200) {
        const text = r.body
          .replace(/<[^>]*>/g, " ")
          .replace(/\s+/g, " ")
          .trim()
          .slice(0, 200);
        throw new Error(`HTTP ${r.status}${text ? `: ${text}` : ""}`);
      }
      this.opts.log.debug({ mount: this.opts.mount, song }, "icecast metadata updated");
      return true;
    } catch (err) {
      this.opts.errors.report("ANTENNE_ICECAST_ADMIN_FAILED", {
        output: this.opts.output,
        mount: this.opts.mount,
        request: "metadata",
        song,
        reason: (err as Error).message,
      });
      return false;
    }
  }

  close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    return Promise.resolve();
  }
}
