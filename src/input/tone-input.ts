import type { AudioFormat } from "../stages.js";
import type { ChannelInput, InputLinkStatus } from "./channel-input.js";
import { ToneSource } from "./tone.js";

/** A tone input: generated in-process on the program clock, never fails. */
export class ToneInput implements ChannelInput {
  readonly kind = "tone";
  readonly source: ToneSource;

  constructor(
    readonly id: string,
    readonly autofallback: boolean,
    format: AudioFormat,
    frequencyHz: number,
    amplitudeDb: number,
  ) {
    this.source = new ToneSource(id, format.channels, format.sampleRate, frequencyHz, amplitudeDb);
  }

  start(): void {}

  link(): InputLinkStatus {
    return {
      state: "connected",
      peer: null,
      receivedBytes: 0,
      connections: 1,
      rejected: {},
      srt: null,
      decoderRestarts: 0,
      lastError: null,
    };
  }

  async close(): Promise<void> {}
}
