/**
 * Inputs are an open set: each kind is a factory keyed by the kind's key in the channel file
 * (`srt`, `file`, `tone`). A new kind is a new entry here and a class implementing ChannelInput.
 */
import type { InputConfig } from "../config/schema.js";
import type { ChannelInput, InputDeps } from "../types/index.js";
import { FileInput } from "./file-input.js";
import { SrtChannelInput } from "./srt-channel-input.js";
import { ToneInput } from "./tone-input.js";

type Kind = ChannelInput["kind"];
type ConfigOf<K extends Kind> = Extract<InputConfig, Record<K, unknown>>;
type Factory<K extends Kind> = (cfg: ConfigOf<K>, deps: InputDeps) => ChannelInput;

const FACTORIES: { [K in Kind]: Factory<K> } = {
  srt: (cfg, deps) => new SrtChannelInput(cfg.id, cfg.autofallback, cfg.srt, deps, cfg.group),
  file: (cfg, deps) => new FileInput(cfg.id, cfg.autofallback, cfg.file.path, deps),
  tone: (cfg, deps) => new ToneInput(cfg.id, cfg.autofallback, cfg.tone, deps),
};

export function inputKindOf(cfg: InputConfig): Kind {
  const kind = (Object.keys(FACTORIES) as Kind[]).find((k) => k in cfg);
  if (!kind) throw new Error(`input "${cfg.id}" has no known kind (${Object.keys(FACTORIES).join(", ")})`);
  return kind;
}

/** Builds the configured input; every kind ends in a FrameSource the program reads. */
export function createInput(cfg: InputConfig, deps: InputDeps): ChannelInput {
  const kind = inputKindOf(cfg);
  return (FACTORIES[kind] as Factory<Kind>)(cfg as ConfigOf<Kind>, deps);
}
