/**
 * The CPU and peak RSS of a process tree over a window, for the single-purpose benches
 * (channel-cpu, icecast-cost, srt-cpu). bench/lib/tree-sampler.ts adds PSS and medians.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { TICKS_PER_S, readMemory, treeOf, treeTicks } from "./proc-tree.js";

export interface Usage {
  /** % of one core over the window. */
  cpuPct: number;
  peakRssMiB: number;
}

const rssKiB = (pid: number) => readMemory(pid)?.rssKiB ?? 0;

/**
 * Samples a process tree every second for `seconds` and returns the CPU and peak RSS of
 * the root alone and of the whole tree (children that exit meanwhile are counted through
 * the parent's reaped time). Stops early if the root exits.
 */
export async function measure(
  root: number,
  seconds: number,
): Promise<{ self: Usage; total: Usage; processes: number }> {
  const t0 = performance.now();
  const first = treeOf(root);
  let last = first;
  let peakSelf = 0;
  let peakTotal = 0;
  for (let i = 1; i <= seconds; i++) {
    await sleep(Math.max(0, t0 + i * 1000 - performance.now()));
    const now = treeOf(root);
    if (!now.has(root)) break;
    last = now;
    const rss = [...now.keys()].map(rssKiB);
    peakSelf = Math.max(peakSelf, rssKiB(root));
    peakTotal = Math.max(
      peakTotal,
      rss.reduce((a, b) => a + b, 0),
    );
  }
  const elapsed = (performance.now() - t0) / 1000;
  const pct = (t: number) => (t / TICKS_PER_S / elapsed) * 100;
  const self = (last.get(root)?.own ?? 0) - (first.get(root)?.own ?? 0);
  return {
    self: { cpuPct: pct(self), peakRssMiB: peakSelf / 1024 },
    total: { cpuPct: pct(treeTicks(first, last)), peakRssMiB: peakTotal / 1024 },
    processes: last.size,
  };
}
