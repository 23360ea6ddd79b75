/**
 * The program clock's metrics: how far the wall clock is from the program clock, and how often
 * the program re-anchored on it. Registered by the daemon next to the channel's metrics.
 */
import type { Registry } from "prom-client";
import { mirroredCounter, pulledGauge } from "../metrics/pulled.js";
import type { ProgramClock } from "./program-clock.js";

export function registerClockMetrics(registry: Registry, clock: () => ProgramClock): void {
  pulledGauge(
    registry,
    "antenne_clock_offset_seconds",
    "Wall clock minus program clock (positive: the wall clock is ahead)",
    [],
    (g) => g.set(clock().offsetMs() / 1000),
  );
  mirroredCounter(
    registry,
    "antenne_clock_reanchors_total",
    "Re-anchorings of the program clock on a stepped wall clock, by direction of the step",
    ["direction"],
    () => Object.entries(clock().reanchorCounts()).map(([direction, n]) => [{ direction }, n]),
  );
}
