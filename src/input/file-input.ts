import type { Logger } from "pino";
import { Decoder } from "../decode/decoder.js";
import { InputBuffer } from "../engine/input-buffer.js";
import type { AudioFormat } from "../stages.js";
import type { ChannelInput, InputLinkStatus } from "./channel-input.js";

/** A looped audio file (anything ffmpeg decodes), decoded at real time into an input buffer. */
export class FileInput implements ChannelInput {
  readonly kind = "file";
  readonly source: InputBuffer;
  private readonly decoder: Decoder;

  constructor(
    readonly id: string,
    readonly autofallback: boolean,
    path: string,
    format: AudioFormat,
    bufferMs: number,
    starvationMs: number,
    log: Logger,
    private readonly now: () => number,
  ) {
    this.source = new InputBuffer({ id, ...format, targetMs: bufferMs, starvationMs });
    this.decoder = new Decoder({
      name: `decoder:${id}`,
      source: { kind: "file", path },
      format,
      log,
      onPcm: (pcm) => this.source.write(pcm, this.now()),
    });
  }

  start(): void {
    this.decoder.start();
  }

  link(): InputLinkStatus {
    const alive = this.source.arriving(this.now());
    return {
      state: alive ? "connected" : this.decoder.restarts > 0 ? "failed" : "connecting",
      peer: null,
      receivedBytes: this.decoder.decodedBytes,
      connections: this.decoder.restarts + 1,
      rejected: {},
      srt: null,
      decoderRestarts: this.decoder.restarts,
      lastError: this.decoder.lastError,
    };
  }

  close(): Promise<void> {
    return this.decoder.close();
  }
}
