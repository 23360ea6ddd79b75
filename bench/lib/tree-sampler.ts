/**
 * Measures a running process tree over a window: CPU of the whole tree and of its root alone
 * (% of one core), and memory (PSS, RSS, USS) sampled every `everyS` seconds, tree and root,
 * with a per-command breakdown (which kind of process the cost is in).
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  TICKS_PER_S,
  ZERO_MEMORY,
  addMemory,
  readMemory,
  treeOf,
  treeTicks,
  type Memory,
  type ProcStat,
} from "./proc-tree.js";
import { median } from "./stats.js";

export interface TreeUsage {
  seconds: number;
  /** % of one core, whole tree. */
  treeCpu: number;
  /** % of one core, the root process alone. */
  rootCpu: number;
  /** Medians of the memory samples, MiB. */
  tree: MiB;
  root: MiB;
  /** Highest tree PSS / RSS of any sample, MiB. */
  peakTreePss: number;
  peakTreeRss: number;
  processes: number;
  /** comm → CPU % and median PSS MiB, summed over processes of that name. */
  byCommand: Map<string, { cpu: number; pss: number; count: number }>;
}

export interface MiB {
  pss: number;
  rss: number;
  uss: number;
}

const toMiB = (m: Memory): MiB => ({ pss: m.pssKiB / 1024, rss: m.rssKiB / 1024, uss: m.ussKiB / 1024 });

interface MemSample {
  tree: MiB;
  root: MiB;
  byPid: Map<number, number>;
}

function sampleMemory(tree: Map<number, ProcStat>, root: number): MemSample {
  let sum = ZERO_MEMORY;
  let rootMem = ZERO_MEMORY;
  const byPid = new Map<number, number>();
  for (const pid of tree.keys()) {
    const m = readMemory(pid);
    if (!m) continue;
    sum = addMemory(sum, m);
    byPid.set(pid, m.pssKiB / 1024);
    if (pid === root) rootMem = m;
  }
  return { tree: toMiB(sum), root: toMiB(rootMem), byPid };
}

/** Per-command CPU (delta between scans) and median PSS over the samples. */
function byCommand(
  first: Map<number, ProcStat>,
  last: Map<number, ProcStat>,
  mem: MemSample[],
  elapsedS: number,
): TreeUsage["byCommand"] {
  const out: TreeUsage["byCommand"] = new Map();
  for (const [pid, s] of last) {
    const b = first.get(pid);
    const ticks = s.own - (b ? b.own : 0);
    const pss = median(mem.map((m) => m.byPid.get(pid) ?? 0));
    const e = out.get(s.comm) ?? { cpu: 0, pss: 0, count: 0 };
    out.set(s.comm, {
      cpu: e.cpu + (ticks / TICKS_PER_S / elapsedS) * 100,
      pss: e.pss + pss,
      count: e.count + 1,
    });
  }
  return out;
}

/**
 * Samples the tree under `root` for `seconds`: scans /proc every second (to catch children)
 * and reads memory every `everyS` seconds. Throws if the root exits during the window.
 */
export async function measureTree(root: number, seconds: number, everyS = 5): Promise<TreeUsage> {
  const t0 = performance.now();
  const first = treeOf(root);
  if (!first.has(root)) throw new Error(`process ${root} is not running`);
  let last = first;
  const mem: MemSample[] = [sampleMemory(first, root)];
  for (let i = 1; i <= seconds; i++) {
    await sleep(Math.max(0, t0 + i * 1000 - performance.now()));
    const now = treeOf(root);
    if (!now.has(root)) throw new Error(`process ${root} exited while measured`);
    last = now;
    if (i % everyS === 0) mem.push(sampleMemory(now, root));
  }
  const elapsedS = (performance.now() - t0) / 1000;
  const pct = (ticks: number) => (ticks / TICKS_PER_S / elapsedS) * 100;
  const rootTicks = last.get(root)!.own - first.get(root)!.own;
  const med = (pick: (m: MemSample) => MiB): MiB => ({
    pss: median(mem.map((m) => pick(m).pss)),
    rss: median(mem.map((m) => pick(m).rss)),
    uss: median(mem.map((m) => pick(m).uss)),
  });
  return {
    seconds: elapsedS,
    treeCpu: pct(treeTicks(first, last)),
    rootCpu: pct(rootTicks),
    tree: med((m) => m.tree),
    root: med((m) => m.root),
    peakTreePss: Math.max(...mem.map((m) => m.tree.pss)),
    peakTreeRss: Math.max(...mem.map((m) => m.tree.rss)),
    processes: last.size,
    byCommand: byCommand(first, last, mem, elapsedS),
  };
}
