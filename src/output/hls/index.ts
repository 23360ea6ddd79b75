/** The "hls" output kind: one HLS output (every variant of `outputs.hls`) per channel. */
import type { HlsConfig } from "../../config/schema.js";
import { mirroredCounter, pulledGauge } from "../../metrics/pulled.js";
import type { OutputKind } from "../../types/index.js";
import { HlsOutput, type HlsStatus } from "./hls-output.js";

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
      state: ctx.state,
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
      "antenne_hls_disk_errors_total",
      "HLS segment or playlist writes that failed",
      [],
      () => statuses().map((s) => [{}, s.diskErrors]),
    );
  },
};
