import { Decoder } from "../decode/decoder.js";
import { InputBuffer } from "../engine/input-buffer.js";
import type {
  ChannelInput,
  FrameSource,
  InputDeps,
  InputEvents,
  InputLinkStatus,
  InputState,
} from "../types/index.js";
import { TypedEmitter } from "../util/events.js";

/** Decoded audio held ahead of the input buffer: read pauses above HIGH, resumes below LOW. */
const AHEAD_HIGH_SEC = 1;
const AHEAD_LOW_SEC = 0.5;

/**
 * A looped audio file (anything ffmpeg decodes), pulled on demand: each program tick
 * reads ffmpeg's output only while less than a second is decoded ahead (the rest waits in
 * the pipe, where ffmpeg blocks), and every program read first tops the input buffer up. A local file is on the program clock, so the
 * buffer reads it 1:1 (no drift steering), and a moment of CPU starvation of ffmpeg is
 * covered by the decoded-ahead second instead of becoming a gap: this is the safety loop
 * that must never fail.
 */
export class FileInput implements ChannelInput, FrameSource {
  readonly kind = "file";
  private readonly buffer: InputBuffer;
  private readonly decoder: Decoder;
  private readonly ch: number;
  private readonly targetFrames: number;
  private readonly highSamples: number;
  private readonly lowSamples: number;
  private ahead: Float32Array[] = [];
  private aheadSamples = 0;
  private readonly events: TypedEmitter<InputEvents>;
  private readonly now: () => number;
  private lastState: InputState = "connecting";

  constructor(
    readonly id: string,
    readonly autofallback: boolean,
    private readonly path: string,
    deps: InputDeps,
  ) {
    const { format, bufferMs, starvationMs, runtime, log } = deps;
    this.now = () => runtime.clock.monoMs();
    this.events = new TypedEmitter<InputEvents>(log);
    this.ch = format.channels;
    this.targetFrames = Math.round((bufferMs / 1000) * format.sampleRate);
    this.highSamples = AHEAD_HIGH_SEC * format.sampleRate * format.channels;
    this.lowSamples = AHEAD_LOW_SEC * format.sampleRate * format.channels;
    this.buffer = new InputBuffer({ id, ...format, targetMs: bufferMs, starvationMs, steer: false });
    this.decoder = new Decoder({
      name: `decoder:${id}`,
      source: { kind: "file", path },
      format,
      log,
      clock: runtime.clock,
      ffmpeg: runtime.ffmpeg,
      onPcm: (pcm) => this.decoded(pcm),
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

  private decoded(pcm: Float32Array): void {
    this.ahead.push(pcm);
    this.aheadSamples += pcm.length;
  }

  poll(nowMs: number): void {
    if (this.aheadSamples < this.lowSamples) this.decoder.poll((this.highSamples - this.aheadSamples) * 2);
    this.topUp(0, nowMs);
    const state = this.linkState();
    if (state !== this.lastState) {
      this.lastState = state;
      this.events.emit("state", { state });
    }
  }

  private linkState(): InputState {
    if (this.buffer.arriving(this.now())) return "connected";
    return this.decoder.restarts > 0 ? "failed" : "connecting";
  }

  on<K extends keyof InputEvents>(event: K, fn: InputEvents[K]): void {
    this.events.on(event, fn);
  }

  /** Moves decoded audio into the buffer until it holds the target plus the frames about to be read. */
  private topUp(frames: number, nowMs: number): void {
    let need = (this.targetFrames + frames + 2 - this.buffer.fill()) * this.ch;
    while (need > 0 && this.ahead.length > 0) {
      const head = this.ahead[0]!;
      if (head.length <= need) {
        this.ahead.shift();
        this.buffer.write(head, nowMs);
        need -= head.length;
        this.aheadSamples -= head.length;
      } else {
        // Whole frames only, so the buffer's fill counts exactly what was moved.
        const take = Math.min(head.length, Math.ceil(need / this.ch) * this.ch);
        this.buffer.write(head.subarray(0, take), nowMs);
        this.ahead[0] = head.subarray(take);
        this.aheadSamples -= take;
        need = 0;
      }
    }
  }

  read(out: Float32Array, frames: number, nowMs: number): number {
    this.topUp(frames, nowMs);
    return this.buffer.read(out, frames, nowMs);
  }

  arriving(nowMs: number): boolean {
    return this.buffer.arriving(nowMs);
  }

  bufferMs(): number {
    return this.buffer.bufferMs();
  }

  driftPpm(): number {
    return 0;
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
