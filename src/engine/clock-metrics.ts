/**
 * The program clock's re-anchoring counter, registered by the daemon next to the channel's
 * metrics (which already carry antenne_clock_offset_seconds from the status).
 */
import type { Registry } from "prom-client";
import { mirroredCounter } from "../metrics/pulled.js";
import type { ProgramClock } from "./program-clock.js";

export function registerClockMetrics(registry: Registry, clock: () => ProgramClock): void {
  mirroredCounter(
    registry,
    "antenne_clock_reanchors_total",
    "Re-anchorings of the program clock on a stepped wall clock, by direction of the step",
    ["direction"],
    () => Object.entries(clock().reanchorCounts()).map(([direction, n]) => [{ direction }, n]),
  );
}
