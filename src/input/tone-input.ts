import type { ChannelInput, InputDeps, InputEvents, InputLinkStatus } from "../types/index.js";
import { ToneSource } from "./tone.js";

/** A tone input: generated in-process on the program clock, never fails. */
export class ToneInput implements ChannelInput {
  readonly kind = "tone";
  readonly canFail = false;
  readonly source: ToneSource;

  constructor(
    readonly id: string,
    readonly autofallback: boolean,
    private readonly tone: { frequencyHz: number; amplitudeDb: number },
    deps: InputDeps,
  ) {
    const { channels, sampleRate } = deps.format;
    this.source = new ToneSource(id, channels, sampleRate, tone.frequencyHz, tone.amplitudeDb);
  }

  start(): void {}

  link(): InputLinkStatus {
    return {
      state: "connected",
      receivedBytes: 0,
      connections: 1,
      rejected: {},
      decoderRestarts: 0,
      lastError: null,
      details: { kind: "tone", tone: { frequencyHz: this.tone.frequencyHz } },
    };
  }

  /** A tone never changes state. */
  on<K extends keyof InputEvents>(_event: K, _fn: InputEvents[K]): void {}

  async close(): Promise<void> {}
}
