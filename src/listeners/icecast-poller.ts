/**
 * Icecast listeners of every channel, summed over the master and its relays. Each poll reads
 * a server's /admin/stats (one request) and, for each configured mount that has listeners, its
 * /admin/listclients: a relay pulling a mount appears there as a listener whose user agent is
 * "Icecast <version>"; it is not a person, and the people on the relay are counted on the relay.
 *
 * A server whose poll fails keeps its last counts for two more poll periods (one lost answer is
 * no audience drop), then counts 0 and is reported down. Failures are logged once per distinct
 * message and counted, never thrown.
 */
import { request } from "node:http";
import type { Logger } from "pino";
import type { Clock, TimerHandle } from "../clock/clock.js";
import { parseIcecastStats } from "../output/icecast/stats.js";

export interface IcecastServerConfig {
  name: string;
  url: string;
  adminUser: string;
  adminPassword: string;
  mounts: { mount: string; channel: string }[];
}

interface ServerState {
  counts: Map<string, number>;
  okAtMs: number;
  up: boolean;
  polls: { ok: number; error: number };
  lastError: string | null;
}

const MAX_BODY = 4 << 20;

/** GET with Basic auth, a timeout and a body cap; resolves status and body. */
export function httpGet(
  url: URL,
  auth: string,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    if (url.protocol !== "http:") return reject(new Error(`unsupported scheme ${url.protocol}`));
    const req = request(url, { method: "GET", auth, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY) chunks.push(c);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** Listeners in a listclients answer that are people, not relays. */
export function countPeople(listclientsXml: string): number {
  let n = 0;
  for (const m of listclientsXml.matchAll(/<listener>([\s\S]*?)<\/listener>/g)) {
    const ua = /<UserAgent>([^<]*)<\/UserAgent>/.exec(m[1] ?? "")?.[1] ?? "";
    if (!/^Icecast\b/i.test(ua.trim())) n++;
  }
  return n;
}

export class IcecastPoller {
  private readonly state = new Map<string, ServerState>();
  private timer: TimerHandle | null = null;
  private inFlight: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly servers: IcecastServerConfig[],
    private readonly pollMs: number,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {
    for (const s of servers) {
      this.state.set(s.name, {
        counts: new Map(),
        okAtMs: -Infinity,
        up: false,
        polls: { ok: 0, error: 0 },
        lastError: null,
      });
    }
  }

  start(): void {
    if (this.timer || this.closed || this.servers.length === 0) return;
    void this.pollAll();
    this.timer = this.clock.interval(() => void this.pollAll(), this.pollMs);
  }

  /** One poll of every server (concurrently); resolves when all answered or failed. */
  pollAll(): Promise<void> {
    this.inFlight ??= Promise.all(this.servers.map((s) => this.pollServer(s))).then(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Icecast listeners of `channel` over every server counted as present. */
  listeners(channel: string): number {
    let n = 0;
    const now = this.clock.monoMs();
    for (const st of this.state.values()) if (this.fresh(st, now)) n += st.counts.get(channel) ?? 0;
    return n;
  }

  serverStatus(): { name: string; up: boolean; ok: number; error: number }[] {
    return this.servers.map((s) => {
      const st = this.state.get(s.name)!;
      return { name: s.name, up: st.up, ok: st.polls.ok, error: st.polls.error };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    await this.inFlight;
  }

  private fresh(st: ServerState, now: number): boolean {
    return now - st.okAtMs <= 3 * this.pollMs;
  }

  private async pollServer(s: IcecastServerConfig): Promise<void> {
    const st = this.state.get(s.name)!;
    try {
      st.counts = await this.readServer(s);
      st.okAtMs = this.clock.monoMs();
      st.up = true;
      st.polls.ok++;
      st.lastError = null;
    } catch (err) {
      const msg = (err as Error).message;
      st.polls.error++;
      st.up = false;
      if (msg !== st.lastError) this.log.warn({ server: s.name, err: msg }, "icecast stats poll failed");
      st.lastError = msg;
    }
  }

  private async readServer(s: IcecastServerConfig): Promise<Map<string, number>> {
    const base = new URL(s.url);
    const auth = `${s.adminUser}:${s.adminPassword}`;
    const stats = await httpGet(new URL("/admin/stats", base), auth, 5000);
    if (stats.status !== 200) {
      throw new Error(
        `/admin/stats: HTTP ${stats.status}${stats.status === 401 ? " (bad admin credentials)" : ""}`,
      );
    }
    const mounts = parseIcecastStats(stats.body);
    const counts = new Map<string, number>();
    for (const { mount, channel } of s.mounts) {
      const listed = mounts.get(mount)?.listeners ?? 0;
      let people = listed;
      if (listed > 0) {
        const q = new URL(`/admin/listclients?mount=${encodeURIComponent(mount)}`, base);
        const r = await httpGet(q, auth, 5000).catch(() => null);
        // Without the list (older server, transient error) the stats count stands.
        if (r?.status === 200) people = countPeople(r.body);
      }
      counts.set(channel, (counts.get(channel) ?? 0) + people);
    }
    return counts;
  }
}
