/**
 * An SRT input: libsrt socket → a stream decoder chosen per connection (MPEG-TS and WAV decoded
 * in-process with their timing, anything else through ffmpeg) → the input's timed source, whose
 * playout (shared with the other paths of its group) puts each sample on the program timeline.
 * Everything runs on the program tick: `poll` reads what SRT received, decodes it and places it.
 */
import type { Logger } from "pino";
import type { SrtOptions } from "../config/schema.js";
import { TimedSource } from "../engine/timeline/timed-source.js";
import type { ChannelInput, InputDeps, InputEvents, InputLinkStatus, TickTime } from "../types/index.js";
import { TypedEmitter } from "../util/events.js";
import { SniffingDecoder } from "./stream/sniffing-decoder.js";
import type { TimedPcmSink } from "./stream/stream-decoder.js";
import { SrtInput } from "./srt/srt-input.js";

/** Bytes flowing for this long without a single decoded sample: the sender's data is not audio. */
const UNDECODABLE_MS = 3000;
/** How often the input checks for undecodable data and overruns (on the tick). */
const CHECK_EVERY_MS = 500;

const EMPTY_SRT_STATS = {
  rttMs: 0,
  packetsReceived: 0,
  packetsLost: 0,
  packetsDropped: 0,
  packetsRetransmitted: 0,
  receiveBufferMs: 0,
  receiveRateKbps: 0,
};

export class SrtChannelInput implements ChannelInput {
  readonly kind = "srt";
  readonly canFail = true;
  readonly source: TimedSource;
  private readonly srt: SrtInput;
  private readonly events: TypedEmitter<InputEvents>;
  private readonly log: Logger;
  private readonly sink: TimedPcmSink;
  private decoder: SniffingDecoder | null = null;
  private retiring: Promise<void>[] = [];
  /** The tick being processed. */
  private now: TickTime = { monoMs: 0, pos: 0 };
  /** When the bytes being decoded arrived (libsrt's delivery time, else the tick). */
  private arrival: TickTime = { monoMs: 0, pos: 0 };
  private lastCheckMs = -Infinity;
  private lastAudioMs = 0;
  private readonly undecodable = { count: 0, flagged: false };
  private overrunsSeen = 0;
  /** Decoders made: one per connection, plus an ffmpeg process when a stream needs one. */
  private decoders = 0;
  /** Added to the decoder's positions; re-based when the decoder changes (see `discontinuity`). */
  private tOffset = 0;
  private rebaseNext = false;

  constructor(
    readonly id: string,
    readonly autofallback: boolean,
    opts: SrtOptions,
    private readonly deps: InputDeps,
    group: string | null,
  ) {
    const { format, runtime } = deps;
    this.log = deps.log;
    this.events = new TypedEmitter<InputEvents>(deps.log);
    this.source = new TimedSource({
      id,
      ...format,
      playout: deps.playout(group),
      silenceDb: deps.thresholdDb,
    });
    this.sink = {
      audio: (t, pcm, declared) => {
        this.lastAudioMs = this.now.monoMs;
        this.undecodable.flagged = false;
        if (this.rebaseNext) {
          this.rebaseNext = false;
          this.tOffset = (this.source.endPosition ?? t) - t;
        }
        this.source.write(t + this.tOffset, pcm, this.arrival.pos, this.arrival.monoMs, declared);
      },
      discontinuity: (reason) => {
        this.log.info({ input: id, reason }, "input positions re-based: the timeline continues");
        this.rebaseNext = true;
      },
      arrivalPos: () => this.arrival.pos,
      problem: (message, fields) =>
        deps.errors.report("ANTENNE_INPUT_STREAM_DAMAGED", { input: id, detail: message, ...fields }),
    };
    this.srt = new SrtInput({
      id,
      srt: opts,
      starvationMs: deps.starvationMs,
      log: deps.log,
      reactor: runtime.srtReactor(),
      clock: runtime.clock,
      errors: deps.errors,
      polled: true,
      onData: (chunk, arrivalMs) => {
        this.arrival = this.arrivalOf(arrivalMs);
        this.decoder?.push(chunk);
      },
    });
    this.srt.on("state", ({ state }) => this.events.emit("state", { state }));
    this.srt.on("connected", ({ peer }) => this.connected(peer));
    this.srt.on("disconnected", () => this.source.disconnected());
  }

  /** A new sender: a fresh decoder and timeline, so nothing of the old stream leaks in. */
  private connected(peer: string): void {
    if (this.decoder) this.retiring.push(this.decoder.close());
    this.source.restart(true);
    this.tOffset = 0;
    this.rebaseNext = false;
    this.lastAudioMs = this.now.monoMs;
    this.undecodable.flagged = false;
    this.decoders++;
    this.decoder = new SniffingDecoder({
      name: `decoder:${this.id}`,
      sink: this.sink,
      format: this.deps.format,
      runtime: this.deps.runtime,
      log: this.log,
    });
    this.log.info({ input: this.id, peer }, "new sender: decoding");
  }

  start(): void {
    this.srt.start();
  }

  /** A message's arrival on the program timeline: libsrt's delivery time when it gives one. */
  private arrivalOf(arrivalMs: number | null): TickTime {
    const now = this.now;
    if (arrivalMs === null || arrivalMs > now.monoMs) return now;
    return {
      monoMs: arrivalMs,
      pos: now.pos - ((now.monoMs - arrivalMs) * this.deps.format.sampleRate) / 1000,
    };
  }

  /**
   * Once per program tick: what a decoder process decoded since the last tick, then what SRT
   * received (decoded in-process at once). Arrivals are stamped with this tick's time.
   */
  poll(now: TickTime): void {
    this.now = now;
    // A decoder process's output is timed by the tick that reads it.
    this.arrival = now;
    this.decoder?.poll();
    this.srt.poll(now.monoMs);
    if (now.monoMs - this.lastCheckMs >= CHECK_EVERY_MS) {
      this.lastCheckMs = now.monoMs;
      this.checkDecodable();
      this.checkOverrun();
    }
  }

  private checkDecodable(): void {
    const u = this.undecodable;
    const d = this.decoder;
    if (!d || this.srt.status().state !== "connected" || u.flagged) return;
    if (d.bytesSinceAudio > 0 && this.now.monoMs - this.lastAudioMs > UNDECODABLE_MS) {
      u.flagged = true;
      u.count++;
      this.deps.errors.report("ANTENNE_INPUT_UNDECODABLE", {
        input: this.id,
        bytes: d.bytesSinceAudio,
        stream: d.description,
        decoderError: d.lastError,
      });
    }
  }

  /** A sender far faster than real time: its oldest unplayed audio was dropped; say so. */
  private checkOverrun(): void {
    const n = this.source.overruns;
    if (n === this.overrunsSeen) return;
    this.deps.errors.report("ANTENNE_INPUT_OVERRUN", { input: this.id, overruns: n - this.overrunsSeen });
    this.overrunsSeen = n;
  }

  link(): InputLinkStatus {
    const s = this.srt.status();
    const rejected = { ...s.rejected };
    if (this.undecodable.count > 0)
      rejected.undecodable = (rejected.undecodable ?? 0) + this.undecodable.count;
    rejected.overrun = this.source.overruns;
    return {
      state: s.state,
      receivedBytes: s.receivedBytes,
      connections: s.connections,
      rejected,
      decoderRestarts: this.decoders + (this.decoder?.fallbacks ?? 0),
      lastError: this.decoder?.lastError ?? null,
      details: {
        kind: "srt",
        srt: { ...(s.srt ?? EMPTY_SRT_STATS), peer: s.peer, stream: this.decoder?.description ?? null },
      },
    };
  }

  on<K extends keyof InputEvents>(event: K, fn: InputEvents[K]): void {
    this.events.on(event, fn);
  }

  async close(): Promise<void> {
    await Promise.all([this.srt.close(), this.decoder?.close(), ...this.retiring]);
  }
}
