import { Decoder } from "../decode/decoder.js";
import { SampleRing } from "../engine/ring.js";
import type {
  ChannelInput,
  FrameSource,
  InputDeps,
  InputEvents,
  InputLinkStatus,
  InputState,
  TickTime,
} from "../types/index.js";
import { TypedEmitter } from "../util/events.js";

/** Decoded audio held ahead: read pauses above HIGH, resumes below LOW. */
const AHEAD_HIGH_SEC = 1;
const AHEAD_LOW_SEC = 0.5;

/**
 * A looped audio file (anything ffmpeg decodes), pulled on demand: each program tick reads
 * ffmpeg's output only while less than a second is decoded ahead (the rest waits in the pipe,
 * where ffmpeg blocks), and the program reads it 1:1. A local file is on the program clock: it
 * has no arrival timing to learn and no drift, and a moment of CPU starvation of ffmpeg is covered
 * by the decoded-ahead second instead of becoming a gap: this is the safety loop that must never
 * fail.
 */
export class FileInput implements ChannelInput, FrameSource {
  readonly kind = "file";
  readonly canFail = false;
  private readonly decoder: Decoder;
  private readonly ch: number;
  private readonly rate: number;
  private readonly ahead: SampleRing;
  private readonly highSamples: number;
  private readonly lowSamples: number;
  private readonly events: TypedEmitter<InputEvents>;
  private readonly now: () => number;
  private lastState: InputState = "connecting";
  private lastWhole = false;

  constructor(
    readonly id: string,
    readonly autofallback: boolean,
    private readonly path: string,
    deps: InputDeps,
  ) {
    const { format, runtime, log } = deps;
    this.now = () => runtime.clock.monoMs();
    this.events = new TypedEmitter<InputEvents>(log);
    this.ch = format.channels;
    this.rate = format.sampleRate;
    this.highSamples = AHEAD_HIGH_SEC * format.sampleRate * format.channels;
    this.lowSamples = AHEAD_LOW_SEC * format.sampleRate * format.channels;
    this.ahead = new SampleRing(this.highSamples * 2);
    this.decoder = new Decoder({
      name: `decoder:${id}`,
      source: { kind: "file", path },
      format,
      log,
      clock: runtime.clock,
      ffmpeg: runtime.ffmpeg,
      onPcm: (pcm) => this.ahead.push(pcm),
    });
  }

  /** The running decoder's pid (tests stop it to play a CPU-starved machine). */
  get decoderPid(): number | undefined {
    return this.decoder.pid;
  }

  get source(): FrameSource {
    return this;
  }

  start(): void {
    this.decoder.start();
  }

  poll(_now: TickTime): void {
    this.fill();
    const state = this.linkState();
    if (state !== this.lastState) {
      this.lastState = state;
      this.events.emit("state", { state });
    }
  }

  private fill(): void {
    if (this.ahead.length < this.lowSamples) this.decoder.poll((this.highSamples - this.ahead.length) * 2);
  }

  read(out: Float32Array, frames: number): number {
    const want = frames * this.ch;
    if (this.ahead.length < want) this.fill();
    const n = Math.min(want, this.ahead.length - (this.ahead.length % this.ch));
    this.ahead.peek(out, n);
    this.ahead.drop(n);
    this.lastWhole = n === want;
    return n / this.ch;
  }

  bufferMs(): number {
    return (this.ahead.length / this.ch / this.rate) * 1000;
  }

  driftPpm(): number {
    return 0;
  }

  /** On the program clock: nothing to time. */
  timing(): null {
    return null;
  }

  private linkState(): InputState {
    if (this.lastWhole || this.ahead.length > 0) return "connected";
    return this.decoder.restarts > 0 ? "failed" : "connecting";
  }

  on<K extends keyof InputEvents>(event: K, fn: InputEvents[K]): void {
    this.events.on(event, fn);
  }

  link(): InputLinkStatus {
    return {
      state: this.linkState(),
      receivedBytes: this.decoder.decodedBytes,
      connections: this.decoder.restarts + 1,
      rejected: {},
      decoderRestarts: this.decoder.restarts,
      lastError: this.decoder.lastError,
      details: { kind: "file", file: { path: this.path } },
    };
  }

  close(): Promise<void> {
    return this.decoder.close();
  }
}
