import type { Logger } from "pino";
import type { ChannelConfig } from "../config/load.js";
import type { InputConfig } from "../config/schema.js";
import type { ChannelInput } from "./channel-input.js";
import { FileInput } from "./file-input.js";
import { SrtChannelInput } from "./srt-channel-input.js";
import { ToneInput } from "./tone-input.js";

/** Builds the configured input: every kind ends in a FrameSource the program reads. */
export function createInput(
  cfg: InputConfig,
  channel: ChannelConfig,
  log: Logger,
  now: () => number,
): ChannelInput {
  const { bufferMs, starvationMs } = channel.switcher;
  if ("tone" in cfg)
    return new ToneInput(cfg.id, cfg.autofallback, channel.audio, cfg.tone.frequencyHz, cfg.tone.amplitudeDb);
  if ("file" in cfg)
    return new FileInput(
      cfg.id,
      cfg.autofallback,
      cfg.file.path,
      channel.audio,
      bufferMs,
      starvationMs,
      log,
      now,
    );
  return new SrtChannelInput(
    cfg.id,
    cfg.autofallback,
    cfg.srt,
    channel.audio,
    bufferMs,
    starvationMs,
    log,
    now,
  );
}
