import type { Logger } from "pino";
import type { SrtOptions } from "../config/schema.js";
import { Decoder } from "../decode/decoder.js";
import { InputBuffer } from "../engine/input-buffer.js";
import type { ChannelInput, InputDeps, InputEvents, InputLinkStatus } from "../types/index.js";
import { TypedEmitter } from "../util/events.js";
import { SrtInput } from "./srt/srt-input.js";

const EMPTY_SRT_STATS = {
  rttMs: 0,
  packetsReceived: 0,
  packetsLost: 0,
  packetsDropped: 0,
  packetsRetransmitted: 0,
  receiveBufferMs: 0,
  receiveRateKbps: 0,
};

/** Bytes flowing for this long without a single decoded sample: the sender's data is not audio. */
const UNDECODABLE_MS = 3000;

/**
 * An SRT input: libsrt socket → ffmpeg decoder (fresh one per connection) → input
 * buffer on the program clock.
 */
export class SrtChannelInput implements ChannelInput {
  readonly kind = "srt";
  readonly source: InputBuffer;
  private readonly srt: SrtInput;
  private readonly decoder: Decoder;
  private readonly undecodable = { count: 0, flagged: false, lastPcmMs: 0 };
  /** Overflow cuts already reported, and when the last line was logged. */
  private readonly overrun = { seen: 0, loggedMs: -Infinity };
  private lastCheckMs = -Infinity;
  private readonly rate: number;
  private readonly events: TypedEmitter<InputEvents>;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(
    readonly id: string,
    readonly autofallback: boolean,
    opts: SrtOptions,
    private readonly deps: InputDeps,
  ) {
    const { format, bufferMs, starvationMs, runtime } = deps;
    this.log = deps.log;
    this.events = new TypedEmitter<InputEvents>(deps.log);
    this.now = () => runtime.clock.monoMs();
    this.source = new InputBuffer({ id, ...format, targetMs: bufferMs, starvationMs });
    this.rate = format.sampleRate;
    this.decoder = new Decoder({
      name: `decoder:${id}`,
      source: { kind: "stdin" },
      format,
      log: deps.log,
      clock: runtime.clock,
      ffmpeg: runtime.ffmpeg,
      onPcm: (pcm) => {
        this.undecodable.lastPcmMs = this.now();
        this.undecodable.flagged = false;
        this.source.write(pcm, this.now());
      },
    });
    this.srt = new SrtInput({
      id,
      srt: opts,
      starvationMs,
      log: deps.log,
      reactor: runtime.srtReactor(),
      clock: runtime.clock,
      errors: deps.errors,
      polled: true,
      onData: (chunk) => this.decoder.write(chunk),
    });
    this.srt.on("state", ({ state }) => this.events.emit("state", { state }));
    this.srt.on("connected", ({ peer }) => {
      // A new sender: fresh decoder and an empty buffer, so nothing of the old stream leaks in.
      this.source.reset();
      this.undecodable.lastPcmMs = this.now();
      this.undecodable.flagged = false;
      this.decoder.renew(`new connection from ${peer}`);
    });
  }

  start(): void {
    this.decoder.start();
    this.srt.start();
  }

  /**
   * Once per program tick: what ffmpeg decoded since the last tick into the buffer, then
   * what SRT received into ffmpeg (decoded by the next tick: one tick, 60 ms, of latency).
   */
  poll(nowMs: number): void {
    this.decoder.poll();
    this.srt.poll();
    if (nowMs - this.lastCheckMs >= 500) {
      this.lastCheckMs = nowMs;
      this.checkDecodable();
    }
  }

  private checkDecodable(): void {
    this.checkOverrun();
    const u = this.undecodable;
    if (this.srt.status().state !== "connected" || u.flagged) return;
    if (this.decoder.pendingBytes > 0 && this.now() - u.lastPcmMs > UNDECODABLE_MS) {
      u.flagged = true;
      u.count++;
      this.deps.errors.report("ANTENNE_INPUT_UNDECODABLE", {
        input: this.id,
        bytes: this.decoder.pendingBytes,
        decoderError: this.decoder.lastError,
      });
    }
  }

  /** A sender far faster than real time: the buffer cuts back to target; say so (≤ 1 line / 10 s). */
  private checkOverrun(): void {
    const n = this.source.overflows;
    if (n === this.overrun.seen) return;
    const cuts = n - this.overrun.seen;
    this.overrun.seen = n;
    const now = this.now();
    if (now - this.overrun.loggedMs < 10_000) return;
    this.overrun.loggedMs = now;
    this.deps.errors.report("ANTENNE_INPUT_OVERRUN", {
      input: this.id,
      cuts,
      droppedMs: Math.round((this.source.droppedFrames / this.rate) * 1000),
    });
  }

  link(): InputLinkStatus {
    const s = this.srt.status();
    const rejected = { ...s.rejected };
    if (this.undecodable.count > 0)
      rejected.undecodable = (rejected.undecodable ?? 0) + this.undecodable.count;
    if (this.source.overflows > 0) rejected.overrun = this.source.overflows;
    return {
      state: s.state,
      receivedBytes: s.receivedBytes,
      connections: s.connections,
      rejected,
      decoderRestarts: this.decoder.restarts,
      lastError: this.decoder.lastError,
      details: { kind: "srt", srt: { ...(s.srt ?? EMPTY_SRT_STATS), peer: s.peer } },
    };
  }

  on<K extends keyof InputEvents>(event: K, fn: InputEvents[K]): void {
    this.events.on(event, fn);
  }

  async close(): Promise<void> {
    await Promise.all([this.srt.close(), this.decoder.close()]);
  }
}
