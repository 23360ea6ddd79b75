/**
 * Outputs are an open set: each kind says how to find its entries in a channel file, which
 * encoded profiles they consume, how to build one and which metrics it exports. The channel holds
 * `Output[]` and never branches on a kind. A new kind (a second HLS flavour, a DASH or an
 * object-store output) is a new entry here.
 */
import type { Registry } from "prom-client";
import type { ChannelConfig } from "../config/load.js";
import type { Output, OutputContext, OutputKind } from "../types/index.js";
import { hlsKind } from "./hls/index.js";
import { icecastKind } from "./icecast/icecast-kind.js";

// Each kind is typed on its own entry type; the registry only moves entries from a kind to itself.
const KINDS = [hlsKind, icecastKind] as unknown as OutputKind<unknown>[];

export interface BuiltOutputs {
  outputs: Output[];
  registerMetrics(registry: Registry): void;
}

/** The profiles some output consumes, in first-use order (only those are encoded). */
export function usedProfiles(cfg: ChannelConfig): string[] {
  const used = KINDS.flatMap((k) => k.entries(cfg).flatMap((e) => k.profiles(e)));
  return [...new Set(used)];
}

export function createOutputs(cfg: ChannelConfig, ctx: OutputContext): BuiltOutputs {
  const byKind = KINDS.map((kind) => ({ kind, outputs: kind.entries(cfg).map((e) => kind.create(e, ctx)) }));
  return {
    outputs: byKind.flatMap((b) => b.outputs),
    registerMetrics(registry) {
      for (const b of byKind) b.kind.registerMetrics?.(registry, () => b.outputs);
    },
  };
}
