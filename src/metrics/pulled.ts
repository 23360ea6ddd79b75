/**
 * Pulled metrics: gauges that read state in collect(), and counters that mirror monotonic totals
 * kept by the components (set with inc(delta) from the last value seen). Shared by the channel
 * metrics and by each output kind's own registration.
 */
import { Counter, Gauge, type CounterConfiguration, type Registry } from "prom-client";

export type Labels = Record<string, string>;

export function pulledGauge(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  collect: (g: Gauge) => void,
): Gauge {
  return new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      collect(this);
    },
  });
}

/**
 * A counter that follows monotonic totals read from state. Label sets are created at their
 * first read, at 0, so dashboards see zeros rather than gaps.
 */
export function mirroredCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  read: () => [Labels, number][],
): Counter {
  const last = new Map<string, number>();
  const cfg: CounterConfiguration<string> = {
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, total] of read()) {
        const key = JSON.stringify(labels);
        const prev = last.get(key) ?? 0;
        if (total > prev) this.inc(labels, total - prev);
        else if (!last.has(key)) this.inc(labels, 0);
        last.set(key, Math.max(prev, total));
      }
    },
  };
  return new Counter(cfg);
}
