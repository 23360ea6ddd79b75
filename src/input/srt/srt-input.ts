/**
 * One SRT input (listener or caller): receives bytes and hands them to a sink, unread and
 * undecoded. Lifecycle goes out as events; `status()` is polled by the API and metrics.
 */
import type { Clock, TimerHandle } from "../../clock/clock.js";
import type { Logger } from "../../types/index.js";
import { TypedEmitter } from "../../util/events.js";
import { ArrivalGaps } from "../../util/arrival-gaps.js";
import { Backoff } from "../../util/backoff.js";
import { SRTO, SRT_KM_S, SRT_REJ, SrtError } from "./libsrt.js";
import { PublisherSlot } from "./publisher-slot.js";
import { numericEndpoint, resolveHostPort } from "./sockaddr.js";
import {
  REJECT_CODES,
  SRT_REJECT_REASONS,
  type SrtInputEvents,
  type SrtInputOptions,
  type SrtInputState,
  type SrtInputStatus,
  type SrtRejectReason,
} from "./srt-input-types.js";
import type { SrtReactor } from "./srt-reactor.js";
import { SrtListener, connectSrt, type SrtConnection, type SrtSocketOptions } from "./srt-socket.js";
import { SrtStatsAccumulator } from "./srt-stats.js";

export {
  SRT_REJECT_REASONS,
  type SrtInputEvents,
  type SrtInputOptions,
  type SrtInputState,
  type SrtInputStatus,
  type SrtRejectReason,
} from "./srt-input-types.js";

export class SrtInput {
  private readonly events: TypedEmitter<SrtInputEvents>;
  private readonly log: Logger;
  private readonly reactor: SrtReactor;
  private readonly clock: Clock;
  private readonly sockOpts: SrtSocketOptions;
  private readonly stats = new SrtStatsAccumulator();
  private readonly backoff = new Backoff({ initialMs: 1000, maxMs: 10_000 });
  private state: SrtInputState = "idle";
  private started = false;
  private closed = false;
  private listener: SrtListener | null = null;
  private publisher: SrtConnection | null = null;
  /** Listener only: who publishes when a second caller arrives. */
  private readonly slot: PublisherSlot<SrtConnection>;
  private retryTimer: TimerHandle | null = null;
  private statsTimer: TimerHandle | null = null;
  private cancelConnect: (() => void) | null = null;
  private lastDataAt = 0;
  /** The publisher's gaps between data (a bursty sender's period): its usual silence is no death. */
  private readonly gaps = new ArrivalGaps();
  private lastError = "";
  private connections = 0;
  private receivedBytes = 0;
  private readonly rejected = Object.fromEntries(SRT_REJECT_REASONS.map((r) => [r, 0])) as Record<
    SrtRejectReason,
    number
  >;

  constructor(private readonly opts: SrtInputOptions) {
    this.log = opts.log.child({ input: opts.id, component: "srt" });
    this.events = new TypedEmitter<SrtInputEvents>(this.log);
    this.reactor = opts.reactor;
    this.clock = opts.clock;
    const s = opts.srt;
    this.sockOpts = {
      latencyMs: s.latencyMs,
      passphrase: s.passphrase,
      pbKeyLen: s.pbKeyLen,
      streamId: s.mode === "caller" ? s.streamId : null,
      peerIdleTimeoutMs: opts.peerIdleTimeoutMs ?? 5000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 3000,
      enforcedEncryption: s.mode === "caller",
    };
    this.slot = new PublisherSlot<SrtConnection>(this.clock, {
      hasPublisher: () => this.publisher !== null,
      lastDataAt: () => this.lastDataAt,
      goneAfterMs: () => this.goneAfterMs(),
      // A sender that just died still delivers what SRT buffered (its latency), then falls silent.
      holdMs: () => this.opts.srt.latencyMs + this.goneAfterMs() + 100,
      take: (c) => this.replaceWith(c),
      busy: (c) => this.reject(c, "busy"),
    });
  }

  on<K extends keyof SrtInputEvents>(event: K, fn: SrtInputEvents[K]): void {
    this.events.on(event, fn);
  }

  off<K extends keyof SrtInputEvents>(event: K, fn: SrtInputEvents[K]): void {
    this.events.off(event, fn);
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.statsTimer = this.clock.interval(() => this.pollStats(), 1000, { unref: true });
    if (this.opts.srt.mode === "listener") void this.openListener(this.opts.srt.bind);
    else void this.attempt(this.opts.srt.connect);
  }

  private setState(state: SrtInputState): void {
    if (state === this.state) return;
    this.state = state;
    this.events.emit("state", { state });
  }

  status(): SrtInputStatus {
    return {
      state: this.state,
      peer: this.publisher?.peer ?? null,
      connections: this.connections,
      receivedBytes: this.receivedBytes,
      rejected: { ...this.rejected },
      srt: this.stats.snapshot(),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of [this.retryTimer, this.statsTimer]) t?.cancel();
    this.cancelConnect?.();
    this.slot.close()?.close();
    if (this.publisher) this.endPublisher(this.publisher, "closed");
    this.listener?.close();
    this.listener = null;
    this.setState("idle");
    if (this.reactor.size === 0) await this.reactor.stopped();
  }

  // ---- listener ----

  private async openListener(bind: string): Promise<void> {
    try {
      // Numeric binds (the usual case) open synchronously: "listening" right after start().
      const addr = numericEndpoint(bind) ?? (await resolveHostPort(bind));
      if (this.closed) return;
      this.listener = SrtListener.open(
        this.reactor,
        addr,
        this.sockOpts,
        (c) => this.onAccept(c),
        (err) => this.listenerFailed(bind, err),
      );
      this.setState(this.publisher ? "connected" : "listening");
      this.backoff.reset();
      this.log.info({ bind }, "srt listening");
    } catch (err) {
      this.listenerFailed(bind, err);
    }
  }

  private listenerFailed(bind: string, err: unknown): void {
    this.listener = null;
    if (this.closed) return;
    this.setState("failed");
    const delay = this.backoff.next();
    this.opts.errors.report("ANTENNE_SRT_LISTEN_FAILED", {
      input: this.opts.id,
      err,
      bind,
      retryInMs: delay,
    });
    this.retryTimer = this.clock.timeout(() => void this.openListener(bind), delay);
  }

  private onAccept(c: SrtConnection): void {
    if (this.closed) return c.close();
    const refused = this.admissionCheck(c);
    if (refused) return this.reject(c, refused);
    this.slot.offer(c);
  }

  /** Silence after which the publisher counts as gone: starvationMs past its usual longest gap. */
  private goneAfterMs(): number {
    return this.opts.starvationMs + this.gaps.quantiles(this.clock.monoMs()).max;
  }

  /** Checked before reading a byte: wrong/missing passphrase, wrong stream id. */
  private admissionCheck(c: SrtConnection): SrtRejectReason | null {
    const s = this.opts.srt;
    try {
      const km = c.intFlag(SRTO.KMSTATE);
      if (km !== (s.passphrase !== "" ? SRT_KM_S.SECURED : SRT_KM_S.UNSECURED)) return "passphrase";
      if (s.streamId !== null && c.stringFlag(SRTO.STREAMID) !== s.streamId) return "streamid";
    } catch {
      // The caller closed during the handshake.
      return "peer";
    }
    return null;
  }

  private replaceWith(c: SrtConnection): void {
    if (this.publisher) this.endPublisher(this.publisher, "replaced");
    this.adopt(c);
  }

  private reject(c: SrtConnection, reason: SrtRejectReason): void {
    c.close();
    this.countReject(reason, c.peer);
  }

  private countReject(reason: SrtRejectReason, peer: string | null): void {
    this.rejected[reason]++;
    this.opts.errors.report(REJECT_CODES[reason], { input: this.opts.id, reason, peer });
    this.events.emit("rejected", { reason, peer });
  }

  // ---- both modes ----

  private adopt(c: SrtConnection): void {
    this.publisher = c;
    this.connections++;
    this.lastDataAt = this.clock.monoMs();
    this.gaps.reset();
    this.setState("connected");
    this.log.info({ peer: c.peer }, "srt connected");
    // libsrt's steady clock and ours are both CLOCK_MONOTONIC-based: one offset maps them.
    const srtToMono = this.reactor.lib.timeNowUs() / 1000 - this.clock.monoMs();
    this.events.emit("connected", { peer: c.peer });
    c.start(
      {
        data: (chunk, deliveryUs) => {
          this.receivedBytes += chunk.length;
          this.lastDataAt = this.clock.monoMs();
          this.gaps.arrived(this.lastDataAt);
          this.opts.onData(chunk, deliveryUs > 0 ? deliveryUs / 1000 - srtToMono : null);
        },
        lost: (reason) => this.onLost(c, reason),
      },
      this.opts.polled ?? false,
    );
  }

  /**
   * Reads what the publisher sent since the last call (with `polled`), after the reactor's
   * readiness (accepts, connects, broken links): `tickMs` keys the one reactor poll per tick.
   */
  poll(tickMs?: number): void {
    this.reactor.poll(tickMs);
    this.publisher?.poll();
  }

  private onLost(c: SrtConnection, reason: string): void {
    if (this.publisher !== c) return;
    this.endPublisher(c, "broken");
    this.opts.errors.report("ANTENNE_SRT_CONNECTION_LOST", {
      input: this.opts.id,
      peer: c.peer,
      detail: reason,
    });
    if (this.closed) return;
    if (this.opts.srt.mode === "caller") return this.retry(this.opts.srt.connect);
    this.setState(this.listener ? "listening" : "failed");
    this.slot.publisherLost();
  }

  private endPublisher(c: SrtConnection, reason: string): void {
    const s = c.stats(true);
    if (s) this.stats.sample(s);
    this.stats.endConnection();
    c.close();
    if (this.publisher === c) this.publisher = null;
    this.events.emit("disconnected", { reason });
  }

  private pollStats(): void {
    const s = this.publisher?.stats(true);
    if (s) this.stats.sample(s);
  }

  // ---- caller ----

  private async attempt(target: string): Promise<void> {
    if (this.closed) return;
    this.setState("connecting");
    let c: SrtConnection;
    try {
      const addr = await resolveHostPort(target);
      if (this.closed) return;
      const { done, cancel } = connectSrt(this.reactor, addr, this.sockOpts);
      this.cancelConnect = cancel;
      c = await done;
    } catch (err) {
      this.cancelConnect = null;
      if (this.closed) return;
      this.connectFailed(target, err);
      return;
    }
    this.cancelConnect = null;
    if (this.closed) return c.close();
    this.backoff.reset();
    this.lastError = "";
    this.adopt(c);
  }

  private connectFailed(target: string, err: unknown): void {
    const reason = err instanceof SrtError ? err.rejectReason : null;
    if (reason === SRT_REJ.BADSECRET || reason === SRT_REJ.UNSECURE) this.countReject("passphrase", target);
    else if (reason === SRT_REJ.PEER || (reason !== null && reason >= 1000)) this.countReject("peer", target);
    const msg = err instanceof Error ? err.message : String(err);
    // One line per distinct failure, not one per retry.
    if (msg !== this.lastError)
      this.opts.errors.report("ANTENNE_SRT_CONNECT_FAILED", { input: this.opts.id, target, reason: msg });
    this.lastError = msg;
    this.retry(target);
  }

  private retry(target: string): void {
    if (this.closed) return;
    this.setState("connecting");
    this.retryTimer = this.clock.timeout(() => void this.attempt(target), this.backoff.next());
  }
}
