/** The "hls" output kind: one HLS output (every variant of `outputs.hls`) per channel. */
import type { HlsConfig } from "../../config/schema.js";
import { mirroredCounter, pulledGauge } from "../../metrics/pulled.js";
import type { Output, OutputKind } from "../../types/index.js";
import type { PlaylistGate } from "./health-gate.js";
import { HlsOutput, type HlsStatus } from "./hls-output.js";

/** The playlist gate of a channel's HLS output, for the /hls/ route (healthAware). */
export function hlsGateOf(outputs: readonly Output[]): PlaylistGate | undefined {
  return outputs.find((o): o is HlsOutput => o instanceof HlsOutput)?.gate;
}

export const hlsKind: OutputKind<HlsConfig> = {
  kind: "hls",
  entries: (cfg) => (cfg.outputs.hls ? [cfg.outputs.hls] : []),
  profiles: (entry) => entry.profiles,
  create: (entry, ctx) =>
    new HlsOutput({
      channel: ctx.channel,
      config: entry,
      streams: entry.profiles.map((p) => ctx.stream(p)),
      timeline: ctx.timeline,
      health: ctx.health,
      log: ctx.log.child({ output: "hls" }),
      clock: ctx.clock,
      errors: ctx.errors,
    }),
  registerMetrics(registry, outputs) {
    const statuses = () => outputs().map((o) => o.status() as HlsStatus);
    const perProfile = () => statuses().flatMap((s) => Object.entries(s.profiles));
    mirroredCounter(registry, "antenne_hls_segments_total", "HLS segments written", ["profile"], () =>
      perProfile().map(([profile, p]) => [{ profile }, p.segments]),
    );
    pulledGauge(
      registry,
      "antenne_hls_last_segment_timestamp_seconds",
      "Wall-clock time of the last HLS segment",
      ["profile"],
      (g) => {
        for (const [profile, p] of perProfile())
          if (p.lastSegmentWallMs !== null) g.set({ profile }, p.lastSegmentWallMs / 1000);
      },
    );
    mirroredCounter(
      registry,
      "antenne_hls_push_total",
      "HLS push requests by HTTP status code",
      ["code"],
      () =>
        statuses().flatMap((s) =>
          Object.entries(s.push?.codes ?? {}).map(([code, n]): [Record<string, string>, number] => [
            { code },
            n,
          ]),
        ),
    );
    mirroredCounter(
      registry,
      "antenne_hls_push_dropped_total",
      "Files dropped from a full push queue",
      [],
      () => statuses().map((s) => [{}, s.push?.dropped ?? 0]),
    );
    mirroredCounter(
      registry,
      "antenne_hls_push_failures_total",
      "Files the origin push gave up on (retries exhausted, or refused)",
      [],
      () => statuses().map((s) => [{}, s.push?.failed ?? 0]),
    );
    pulledGauge(registry, "antenne_hls_push_queue_files", "Files waiting for the origin", [], (g) => {
      for (const s of statuses()) if (s.push) g.set(s.push.queued);
    });
    mirroredCounter(
      registry,
      "antenne_hls_disk_errors_total",
      "HLS segment or playlist writes that failed",
      [],
      () => statuses().map((s) => [{}, s.diskErrors]),
    );
  },
};
