/** The "icecast" output kind: one source connection per `outputs.icecast` entry. */
import type { IcecastConfig } from "../../config/load.js";
import { mirroredCounter, pulledGauge } from "../../metrics/pulled.js";
import type { OutputKind } from "../../types/index.js";
import type { IcecastOutputStatus } from "./options.js";
import { IcecastOutput } from "./source-client.js";

export const icecastKind: OutputKind<IcecastConfig> = {
  kind: "icecast",
  entries: (cfg) => cfg.outputs.icecast,
  profiles: (entry) => [entry.profile],
  create: (entry, ctx) =>
    new IcecastOutput({
      config: entry,
      stream: ctx.stream(entry.profile),
      // IcecastOutput adds the { output: id } child itself.
      log: ctx.log,
      clock: ctx.clock,
      errors: ctx.errors,
      homepage: entry.homepage,
    }),
  registerMetrics(registry, outputs) {
    const statuses = () => outputs().map((o) => o.status() as IcecastOutputStatus);
    pulledGauge(
      registry,
      "antenne_icecast_listeners",
      "Listeners reported by the Icecast server",
      ["output"],
      (g) => {
        for (const s of statuses()) if (s.listeners !== null) g.set({ output: s.id }, s.listeners);
      },
    );
    mirroredCounter(
      registry,
      "antenne_icecast_dropped_frames_total",
      "Encoded frames dropped because the Icecast server did not keep up",
      ["output"],
      () => statuses().map((s) => [{ output: s.id }, s.droppedFrames]),
    );
  },
};
