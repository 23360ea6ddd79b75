import { readFileSync, readdirSync } from "node:fs";

const TICKS = 100; // USER_HZ on Linux

interface Proc {
  ppid: number;
  /** utime + stime of the process itself. */
  own: number;
  /** cutime + cstime: children that exited and were reaped. */
  reaped: number;
  rssKiB: number;
}

function readProc(pid: number): Proc | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return {
      ppid: Number(f[1]),
      own: Number(f[11]) + Number(f[12]),
      reaped: Number(f[13]) + Number(f[14]),
      rssKiB: rss ? Number(rss[1]) : 0,
    };
  } catch {
    return null;
  }
}

/** The process and all its descendants. */
export function tree(root: number): Map<number, Proc> {
  const all = new Map<number, Proc>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const s = readProc(Number(d));
    if (s) all.set(Number(d), s);
  }
  const want = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, s] of all) {
      if (!want.has(pid) && want.has(s.ppid)) {
        want.add(pid);
        grew = true;
      }
    }
  }
  return new Map([...want].flatMap((p) => (all.has(p) ? [[p, all.get(p)!] as const] : [])));
}

export interface Usage {
  /** % of one core over the window. */
  cpuPct: number;
  peakRssMiB: number;
}

const cpuOf = (m: Map<number, Proc>) => [...m.values()].reduce((a, s) => a + s.own + s.reaped, 0);

/**
 * Samples a process tree every second for `seconds` and returns the CPU and peak RSS of
 * the root alone and of the whole tree (children that exit meanwhile are counted through
 * the parent's reaped time).
 */
export async function measure(
  root: number,
  seconds: number,
): Promise<{ self: Usage; total: Usage; processes: number }> {
  const t0 = performance.now();
  const first = tree(root);
  let last = first;
  let peakSelf = 0;
  let peakTotal = 0;
  for (let i = 0; i < seconds; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = tree(root);
    if (!now.has(root)) break;
    last = now;
    peakSelf = Math.max(peakSelf, last.get(root)!.rssKiB);
    peakTotal = Math.max(
      peakTotal,
      [...last.values()].reduce((a, s) => a + s.rssKiB, 0),
    );
  }
  const elapsed = (performance.now() - t0) / 1000;
  // Processes born during the window count whole; those alive at both ends count their delta.
  let total = cpuOf(last);
  for (const [pid, s] of first) if (last.has(pid)) total -= s.own + s.reaped;
  const self = last.get(root)!.own - (first.get(root)?.own ?? 0);
  const pct = (t: number) => (t / TICKS / elapsed) * 100;
  return {
    self: { cpuPct: pct(self), peakRssMiB: peakSelf / 1024 },
    total: { cpuPct: pct(total), peakRssMiB: peakTotal / 1024 },
    processes: last.size,
  };
}
