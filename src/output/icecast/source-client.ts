/**
 * One Icecast source connection: an HTTP PUT (or legacy SOURCE) over a raw TCP socket (TLS for an
 * https URL), fed with the encoded frames of one profile in real time. It never buffers without bound and
 * never throws into the program: a slow or absent server costs dropped frames and reconnects.
 */
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { Clock, TimerHandle } from "../../clock/clock.js";
import type { EncodedFrame, Logger, Output, OutputEvents, OutputState } from "../../types/index.js";
import { TypedEmitter } from "../../util/events.js";
import { IcecastAdmin, type NowPlaying } from "./admin.js";
import { Backoff } from "../../util/backoff.js";
import { Congestion } from "./congestion.js";
import { readAnswer, refusalText, socketError, type Connection } from "./connection.js";
import type { IcecastOutputOptions, IcecastOutputStatus } from "./options.js";
import { parseSourceUrl, sourceRequestBytes, redactUrl, type SourceTarget } from "./request.js";

export class IcecastOutput implements Output {
  readonly id: string;
  readonly kind = "icecast";
  private readonly events: TypedEmitter<OutputEvents>;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly target: SourceTarget;
  private readonly requestHead: Buffer;
  private readonly backoff: Backoff;
  private readonly admin: IcecastAdmin;
  private readonly maxQueueBytes: number;
  private state: OutputState = "starting";
  private restarts = 0;
  private lastError: string | null = null;
  private sentBytes = 0;
  private lastPos = -Infinity;
  private conn: Connection | null = null;
  private retryTimer: TimerHandle | null = null;
  private metaTimer: TimerHandle | null = null;
  private readonly congestion: Congestion;
  private nowPlaying: NowPlaying | null = null;
  private started = false;
  private closing: Promise<void> | null = null;
  private readonly onFrame = (f: EncodedFrame): void => this.handleFrame(f);

  constructor(private readonly opts: IcecastOutputOptions) {
    const { config, stream } = opts;
    this.id = config.id;
    this.log = opts.log.child({ output: config.id });
    this.events = new TypedEmitter<OutputEvents>(this.log);
    this.clock = opts.clock;
    this.target = parseSourceUrl(config.url);
    this.requestHead = sourceRequestBytes({
      target: this.target,
      method: config.method,
      codec: stream.codec,
      bitrate: stream.bitrate,
      format: stream.format,
      name: config.name,
      description: config.description,
      genre: config.genre,
      homepage: opts.homepage,
      public: config.public,
    });
    this.backoff = new Backoff(opts.backoff);
    this.congestion = new Congestion(opts.clock, this.log, opts.stallTimeoutMs ?? 15_000);
    this.maxQueueBytes = Math.max(16 * 1024, Math.round(((opts.maxQueueSec ?? 2) * stream.bitrate) / 8));
    this.admin = new IcecastAdmin({
      mount: config.mount,
      output: config.id,
      sourceUrl: config.url,
      adminUrl: config.admin,
      log: this.log,
      clock: opts.clock,
      errors: opts.errors,
      pollIntervalMs: opts.adminPollIntervalMs,
    });
  }

  on<K extends keyof OutputEvents>(event: K, fn: OutputEvents[K]): void {
    this.events.on(event, fn);
  }

  off<K extends keyof OutputEvents>(event: K, fn: OutputEvents[K]): void {
    this.events.off(event, fn);
  }

  start(): void {
    if (this.started || this.closing) return;
    this.started = true;
    this.log.info(
      {
        url: redactUrl(this.opts.config.url),
        method: this.opts.config.method,
        profile: this.opts.stream.profile,
      },
      "icecast output starting",
    );
    this.opts.stream.on("frame", this.onFrame);
    this.admin.start();
    this.connect();
  }

  status(): IcecastOutputStatus {
    return {
      id: this.id,
      kind: "icecast",
      state: this.state,
      // "connected" is the handshake: the mount is up only once the server took the source.
      up: this.state === "running",
      restarts: this.restarts,
      lastError: this.lastError,
      sentBytes: this.sentBytes,
      droppedFrames: this.congestion.dropped,
      listeners: this.admin.listeners,
    };
  }

  setMetadata(meta: NowPlaying): void {
    void this.updateMetadata(meta);
  }

  /**
   * Now-playing info for the mount. Remembered and sent again after every reconnect (the
   * server forgets it with the source). Resolves false when the server did not take it now.
   */
  async updateMetadata(meta: NowPlaying): Promise<boolean> {
    this.nowPlaying = { title: meta.title, artist: meta.artist };
    if (this.closing || this.conn?.phase !== "streaming") return false;
    return this.admin.updateMetadata(this.nowPlaying);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.opts.stream.off("frame", this.onFrame);
    this.retryTimer?.cancel();
    this.metaTimer?.cancel();
    this.retryTimer = this.metaTimer = null;
    await this.admin.close();
    const c = this.conn;
    this.conn = null;
    if (c) {
      c.timer?.cancel();
      this.flush(c); // what was gathered goes before the close
      const socket = c.socket;
      if (c.phase === "streaming" && !socket.destroyed) {
        // A clean FIN lets the server end the source at once; a dead peer gets 1 s.
        await new Promise<void>((resolve) => {
          const t = this.clock.timeout(() => socket.destroy(), 1000);
          socket.once("close", () => {
            t.cancel();
            resolve();
          });
          // Icecast 2.4.4 takes a TLS close_notify for "no data yet" and keeps the mount (spinning)
          // forever; a TCP close without it ends the source. So over TLS: flush, then close.
          if (this.target.tls) socket.write(Buffer.alloc(0), () => socket.destroy());
          else socket.end();
        });
      } else {
        socket.destroy();
      }
    }
    this.setState("stopped");
    this.log.info({ sentBytes: this.sentBytes, restarts: this.restarts }, "icecast output stopped");
  }

  private setState(state: OutputState): void {
    if (state === this.state) return;
    this.state = state;
    this.events.emit("state", { state });
  }

  private connect(): void {
    this.retryTimer = null;
    if (this.closing) return;
    this.setState("connecting");
    const { host, port, tls } = this.target;
    // TLS checks the server's certificate and name against the system CAs (NODE_EXTRA_CA_CERTS
    // adds a private CA); the request is sent once the handshake is done.
    const socket = tls ? tlsConnect({ host, port }) : netConnect({ host, port });
    const c: Connection = {
      socket,
      phase: "handshake",
      buf: Buffer.alloc(0),
      since: 0,
      timer: null,
      refusal: null,
      pending: [],
      pendingBytes: 0,
      flushTimer: null,
    };
    this.conn = c;
    const timeoutMs = this.opts.handshakeTimeoutMs ?? 5000;
    c.timer = this.clock.timeout(
      () => this.drop(c, `no answer from the server within ${timeoutMs} ms`),
      timeoutMs,
    );
    socket.setNoDelay(true);
    socket.once(tls ? "secureConnect" : "connect", () => {
      if (this.conn !== c) return;
      socket.setKeepAlive(true, 10_000);
      this.setState("connected");
      socket.write(this.requestHead);
    });
    socket.on("data", (d: Buffer) => this.onData(c, d));
    socket.on("error", (err: NodeJS.ErrnoException) =>
      this.drop(c, c.refusal ? refusalText(c) : socketError(err)),
    );
    socket.on("close", () => {
      const why = c.refusal
        ? refusalText(c)
        : c.phase === "streaming"
          ? "server closed the connection"
          : "connection closed before the server accepted the source";
      this.drop(c, why);
    });
  }

  private onData(c: Connection, d: Buffer): void {
    if (this.conn !== c) return;
    const step = readAnswer(c, d);
    if (step.accepted) this.accepted(c);
    if (step.bad !== null) return this.drop(c, `unexpected answer: ${step.bad}`);
    if (step.refusalStarted) {
      // The body says why (e.g. "Mountpoint in use"); wait briefly for it, then give up.
      c.timer?.cancel();
      c.timer = this.clock.timeout(() => this.drop(c, refusalText(c)), 500);
    }
    if (step.refusalComplete) this.drop(c, refusalText(c));
  }

  private accepted(c: Connection): void {
    c.timer?.cancel();
    c.timer = null;
    c.since = this.clock.monoMs();
    this.log.info({ mount: this.opts.config.mount, restarts: this.restarts }, "icecast source connected");
    this.setState("running");
    this.metaTimer?.cancel();
    if (this.nowPlaying) {
      // The mount exists once the server accepted us; give it a moment before the update.
      this.metaTimer = this.clock.timeout(() => {
        this.metaTimer = null;
        if (this.conn === c && this.nowPlaying) void this.admin.updateMetadata(this.nowPlaying);
      }, 500);
    }
  }

  /** Ends connection `c` (once) and schedules the next attempt. */
  private drop(c: Connection, reason: string): void {
    if (this.conn !== c) return;
    this.conn = null;
    c.timer?.cancel();
    c.flushTimer?.cancel();
    c.socket.destroy();
    if (this.closing) return;
    this.congestion.end();
    const upMs = c.phase === "streaming" ? this.clock.monoMs() - c.since : 0;
    if (upMs >= (this.opts.backoffResetAfterMs ?? 30_000)) this.backoff.reset();
    this.restarts++;
    this.lastError = reason;
    const delay = this.backoff.next();
    this.opts.errors.report(c.refusal ? "ANTENNE_ICECAST_REFUSED" : "ANTENNE_ICECAST_DISCONNECTED", {
      output: this.id,
      mount: this.opts.config.mount,
      reason,
      phase: c.phase,
      retryInMs: delay,
      upSec: Math.round(upMs / 1000),
    });
    this.setState("backoff");
    this.retryTimer = this.clock.timeout(() => this.connect(), delay);
  }

  private handleFrame(f: EncodedFrame): void {
    // A restarted encoder replays audio already passed on: listeners must not hear it twice.
    if (f.pos <= this.lastPos) return;
    this.lastPos = f.pos;
    const c = this.conn;
    if (!c || c.phase !== "streaming" || !c.socket.writable) return;
    // The bound is on what the server has not taken (the socket's backlog), not on what is being
    // gathered here: at start the program makes up to a segment of audio at once (the epoch-locked
    // first segment, ProgramClock.anchor), a burst that must reach the server whole.
    if (c.socket.writableLength + f.data.length > this.maxQueueBytes) {
      this.congested(c);
      return;
    }
    this.congestion.end();
    // Gathered for flushMs, the frames leave in one write: one syscall and one wake-up of the
    // server, and over TLS one record instead of one per frame (icecast2 reads a TLS source a
    // record at a time: fed a record per frame it fell behind, and frames were dropped here).
    c.pending.push(f.data);
    c.pendingBytes += f.data.length;
    c.flushTimer ??= this.clock.timeout(() => this.flush(c), this.opts.flushMs ?? 250);
  }

  /** Writes what `c` gathered, in one buffer. */
  private flush(c: Connection): void {
    c.flushTimer?.cancel();
    c.flushTimer = null;
    if (c.pendingBytes === 0) return;
    const data = c.pending.length === 1 ? c.pending[0]! : Buffer.concat(c.pending, c.pendingBytes);
    c.pending = [];
    c.pendingBytes = 0;
    if (!c.socket.writable) return;
    c.socket.write(data);
    this.sentBytes += data.length;
  }

  private congested(c: Connection): void {
    const step = this.congestion.drop();
    if (step?.kind === "first")
      this.opts.errors.report("ANTENNE_ICECAST_FRAMES_DROPPED", {
        output: this.id,
        queuedBytes: c.socket.writableLength,
      });
    else if (step?.kind === "stalled") this.drop(c, `server stopped reading for ${step.sec} s`);
  }
}
