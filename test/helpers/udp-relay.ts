/**
 * A UDP relay a test puts between an SRT sender and the input under test: the network path it
 * controls (this kernel has no netem). The sender talks to `port`; the relay forwards its
 * datagrams to the target from a socket of its own and sends the target's replies back to the
 * sender (the first address that sent). Per direction it can
 * - lose datagrams: a seeded PRNG decides each one, so a seed drops the same datagrams every run;
 * - delay every datagram by a fixed time (order kept: equal timeouts fire in creation order);
 * and the whole path can be cut (everything dropped, as when a link goes down) and restored.
 * Loopback only.
 */
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { seededRandom } from "./random.js";

export interface RelayOptions {
  /** Where the input listens. */
  targetPort: number;
  targetHost?: string;
  /** Share of datagrams dropped, 0..1, in each direction the loss applies to. */
  lossRate?: number;
  /** Also lose replies (ACK, NAK, retransmission requests): a lossy path is lossy both ways. */
  lossBothWays?: boolean;
  /** Added to every datagram, each way. */
  delayMs?: number;
  seed?: number;
}

export interface DirectionStats {
  received: number;
  sent: number;
  dropped: number;
}

export interface RelayStats {
  forward: DirectionStats;
  back: DirectionStats;
  /** performance.now() of the sender's first datagram (null before any). */
  firstForwardAt: number | null;
}

const emptyDirection = (): DirectionStats => ({ received: 0, sent: 0, dropped: 0 });

export class UdpRelay {
  readonly stats: RelayStats = { forward: emptyDirection(), back: emptyDirection(), firstForwardAt: null };
  private sender: RemoteInfo | null = null;
  private isCut = false;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly lossForward: () => number;
  private readonly lossBack: () => number;

  private constructor(
    private readonly front: Socket,
    private readonly back: Socket,
    private readonly o: RelayOptions,
  ) {
    const seed = o.seed ?? 1;
    this.lossForward = seededRandom(seed);
    this.lossBack = seededRandom(seed ^ 0x5bd1e995);
    front.on("message", (msg, from) => this.fromSender(msg, from));
    back.on("message", (msg) => this.fromTarget(msg));
    for (const s of [front, back]) s.on("error", () => undefined);
  }

  /** Binds both sockets on 127.0.0.1 (ephemeral ports). */
  static async start(o: RelayOptions): Promise<UdpRelay> {
    const bind = (s: Socket) => new Promise<void>((res) => s.bind(0, "127.0.0.1", () => res()));
    const front = createSocket("udp4");
    const back = createSocket("udp4");
    await Promise.all([bind(front), bind(back)]);
    return new UdpRelay(front, back, o);
  }

  /** The port the sender must send to. */
  get port(): number {
    return this.front.address().port;
  }

  /** The link goes down: nothing passes either way until `restore()`. */
  cut(): void {
    this.isCut = true;
  }

  restore(): void {
    this.isCut = false;
  }

  private fromSender(msg: Buffer, from: RemoteInfo): void {
    const d = this.stats.forward;
    d.received++;
    this.stats.firstForwardAt ??= performance.now();
    this.sender ??= from;
    if (this.isCut || this.lose(this.lossForward)) {
      d.dropped++;
      return;
    }
    this.later(() => {
      this.back.send(msg, this.o.targetPort, this.o.targetHost ?? "127.0.0.1");
      d.sent++;
    });
  }

  private fromTarget(msg: Buffer): void {
    const d = this.stats.back;
    d.received++;
    const to = this.sender;
    if (!to || this.isCut || (this.o.lossBothWays !== false && this.lose(this.lossBack))) {
      d.dropped++;
      return;
    }
    this.later(() => {
      this.front.send(msg, to.port, to.address);
      d.sent++;
    });
  }

  private lose(rng: () => number): boolean {
    const rate = this.o.lossRate ?? 0;
    // The PRNG is drawn for every datagram, lossy or not, so a seed fixes which ones are lost.
    return rng() < rate;
  }

  private later(fn: () => void): void {
    if (this.closed) return;
    const ms = this.o.delayMs ?? 0;
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([this.front, this.back].map((s) => new Promise<void>((res) => s.close(() => res()))));
  }
}
