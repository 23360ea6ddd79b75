/**
 * Typed wrappers over libsrt sockets: listener accept, caller connect, and connections that
 * push what they receive. Readiness comes from the process's one reactor (srt-reactor.ts).
 */
import { SRTO, SRTS, SRTT_LIVE, SRT_EPOLL, SrtError, type LibSrt, type SrtTraceStats } from "./libsrt.js";
import { formatEndpoint, type IpEndpoint } from "./sockaddr.js";
import type { SrtReactor } from "./srt-reactor.js";

/** Largest SRT live payload (MTU 1500 - UDP/IP 28 - SRT header 16). */
const MAX_PAYLOAD = 1456;

export interface SrtSocketOptions {
  latencyMs: number;
  passphrase: string;
  pbKeyLen: 0 | 16 | 24 | 32;
  /** Caller only: sent in the handshake. */
  streamId?: string | null;
  peerIdleTimeoutMs: number;
  connectTimeoutMs: number;
  /**
   * false on our listeners: libsrt then completes a handshake with a wrong or missing
   * passphrase instead of refusing it internally, which is the only way we get to see (and
   * count) it; the input closes such a socket before reading a byte.
   */
  enforcedEncryption: boolean;
}

/** Options that must be set before bind/connect (all of them are pre-bind in libsrt 1.5). */
export function applySocketOptions(lib: LibSrt, sock: number, o: SrtSocketOptions, addr: IpEndpoint): void {
  lib.setFlag(sock, SRTO.TRANSTYPE, SRTT_LIVE);
  lib.setFlag(sock, SRTO.RCVSYN, false);
  lib.setFlag(sock, SRTO.SNDSYN, false);
  lib.setFlag(sock, SRTO.LATENCY, o.latencyMs);
  lib.setFlag(sock, SRTO.PEERIDLETIMEO, o.peerIdleTimeoutMs);
  lib.setFlag(sock, SRTO.CONNTIMEO, o.connectTimeoutMs);
  lib.setFlag(sock, SRTO.ENFORCEDENCRYPTION, o.enforcedEncryption);
  if (o.passphrase !== "") {
    lib.setFlag(sock, SRTO.PASSPHRASE, o.passphrase);
    if (o.pbKeyLen !== 0) lib.setFlag(sock, SRTO.PBKEYLEN, o.pbKeyLen);
  }
  if (o.streamId) lib.setFlag(sock, SRTO.STREAMID, o.streamId);
  // "[::]:port" listens on IPv4 too, whatever the system default is.
  if (addr.family === 6 && addr.ip === "::") lib.setFlag(sock, SRTO.IPV6ONLY, 0);
}

export interface ConnectionHandlers {
  /** One message; `deliveryUs`: libsrt's delivery time for it (steady clock µs), 0 if unknown. */
  data: (chunk: Buffer, deliveryUs: number) => void;
  /** Called once, when the connection breaks; not called for close() by its owner. */
  lost: (reason: string) => void;
}

/** A connected SRT socket (accepted or called). Reads only after `start()`. */
export class SrtConnection {
  private closed = false;
  private started = false;
  private handlers: ConnectionHandlers | null = null;
  readonly peer: string;

  constructor(
    private readonly reactor: SrtReactor,
    readonly sock: number,
    peer: IpEndpoint | null,
  ) {
    this.peer = peer ? formatEndpoint(peer) : "unknown";
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Only watches for the link breaking (a connection held back, not read yet). */
  watchLoss(onLost: (reason: string) => void): void {
    if (this.closed || this.started) return;
    this.reactor.watch(this.sock, SRT_EPOLL.ERR, () => this.fail("broken", onLost));
  }

  /**
   * Starts reading. `polled`: the reactor only watches for the link breaking, and the owner
   * reads with `poll()` on its own schedule (the program tick), so packets never wake the
   * process; libsrt's receive buffer holds them meanwhile (its latency window and more).
   */
  start(h: ConnectionHandlers, polled = false): void {
    if (this.closed || this.started) return;
    this.started = true;
    this.handlers = h;
    const events = polled ? SRT_EPOLL.ERR : SRT_EPOLL.IN | SRT_EPOLL.ERR;
    this.reactor.watch(this.sock, events, (ev) => this.onEvents(ev, h));
    // Packets that arrived while the connection was held back are already readable.
    this.onEvents(SRT_EPOLL.IN, h);
  }

  /** Reads everything received so far (a polled connection). */
  poll(): void {
    if (this.handlers) this.onEvents(SRT_EPOLL.IN, this.handlers);
  }

  intFlag(opt: number): number {
    return this.reactor.lib.getIntFlag(this.sock, opt);
  }

  stringFlag(opt: number): string {
    return this.reactor.lib.getStringFlag(this.sock, opt);
  }

  stats(clear: boolean): SrtTraceStats | null {
    return this.closed ? null : this.reactor.lib.bstats(this.sock, clear);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reactor.unwatch(this.sock);
    this.reactor.lib.close(this.sock);
  }

  /**
   * Reads every message libsrt holds, one data call each with its delivery time (so arrivals
   * are timed by libsrt's TSBPD schedule, not by when the program tick happened to read them).
   *
   * It asks libsrt whether a message is ready (SRTO_EVENT) before each read instead of reading
   * until a read finds nothing: in libsrt 1.5 a non-blocking read that finds nothing signals the
   * connection's TSBPD thread (two futex wakes and two context switches, under the receive
   * lock), once per connection and tick for nothing. The read that empties the buffer still
   * signals it, as libsrt needs to schedule its next delivery.
   */
  private onEvents(ev: number, h: ConnectionHandlers): void {
    if (this.closed) return;
    const lib = this.reactor.lib;
    const staging = this.reactor.staging;
    let lost: string | null = null;
    for (;;) {
      let r: { n: number; deliveryUs: number };
      try {
        // A broken link (ERR) is read too: the read reports why, or the data left "for formality".
        if ((lib.getIntFlag(this.sock, SRTO.EVENT) & (SRT_EPOLL.IN | SRT_EPOLL.ERR)) === 0) break;
        r = lib.recvTimed(this.sock, staging.subarray(0, MAX_PAYLOAD));
      } catch (err) {
        lost = err instanceof SrtError ? err.message : String(err);
        break;
      }
      if (r.n === 0) break;
      h.data(Buffer.from(staging.subarray(0, r.n)), r.deliveryUs);
      if (this.closed) return;
    }
    if (lost === null && ev & SRT_EPOLL.ERR) {
      const state = lib.getState(this.sock);
      if (state >= SRTS.BROKEN) lost = `socket state ${state}`;
    }
    if (lost !== null) this.fail(lost, h.lost);
  }

  /** The owner hears about the loss while the socket still exists (for last statistics). */
  private fail(reason: string, onLost: (reason: string) => void): void {
    if (this.closed) return;
    try {
      onLost(reason);
    } finally {
      this.close();
    }
  }
}

/** A listening socket; `onAccept` receives every new connection, unread. */
export class SrtListener {
  private closed = false;

  private constructor(
    private readonly reactor: SrtReactor,
    readonly sock: number,
    private readonly onAccept: (c: SrtConnection) => void,
  ) {}

  static open(
    reactor: SrtReactor,
    addr: IpEndpoint,
    opts: SrtSocketOptions,
    onAccept: (c: SrtConnection) => void,
    onFailed: (err: Error) => void,
  ): SrtListener {
    const lib = reactor.lib;
    const sock = lib.createSocket();
    try {
      applySocketOptions(lib, sock, { ...opts, streamId: null }, addr);
      lib.bind(sock, addr);
      lib.listen(sock, 8);
    } catch (err) {
      lib.close(sock);
      throw err;
    }
    const l = new SrtListener(reactor, sock, onAccept);
    reactor.watch(sock, SRT_EPOLL.IN | SRT_EPOLL.ERR, () => {
      try {
        l.acceptAll();
      } catch (err) {
        // A listener that can no longer accept is useless: hand it back to its owner.
        l.close();
        onFailed(err instanceof Error ? err : new Error(String(err)));
      }
    });
    return l;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reactor.unwatch(this.sock);
    this.reactor.lib.close(this.sock);
  }

  private acceptAll(): void {
    while (!this.closed) {
      const a = this.reactor.lib.accept(this.sock);
      if (!a) return;
      this.onAccept(new SrtConnection(this.reactor, a.sock, a.peer));
    }
  }
}

/**
 * Starts a non-blocking connect. Resolves with the connection once the handshake is done;
 * rejects with an SrtError carrying libsrt's reject reason otherwise. `cancel()` closes it.
 */
export function connectSrt(
  reactor: SrtReactor,
  addr: IpEndpoint,
  opts: SrtSocketOptions,
): { done: Promise<SrtConnection>; cancel: () => void } {
  const lib = reactor.lib;
  const sock = lib.createSocket();
  let settled = false;
  let cancel = (): void => {};
  const done = new Promise<SrtConnection>((resolve, reject) => {
    const finish = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      reactor.unwatch(sock);
      if (!err) return resolve(new SrtConnection(reactor, sock, lib.getPeer(sock) ?? addr));
      lib.close(sock);
      reject(err);
    };
    cancel = () => finish(new SrtError("srt_connect", 0, "cancelled"));
    try {
      applySocketOptions(lib, sock, opts, addr);
      reactor.watch(sock, SRT_EPOLL.OUT | SRT_EPOLL.ERR, () => {
        const state = lib.getState(sock);
        if (state === SRTS.CONNECTED) return finish(null);
        if (state === SRTS.CONNECTING) return;
        const reason = lib.rejectReason(sock);
        finish(new SrtError("srt_connect", state, lib.rejectReasonText(reason), reason));
      });
      lib.connect(sock, addr);
    } catch (err) {
      finish(err instanceof Error ? err : new Error(String(err)));
    }
  });
  return { done, cancel: () => cancel() };
}
