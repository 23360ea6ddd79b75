/**
 * A process and its descendants as /proc shows them: CPU ticks from /proc/PID/stat, memory
 * from /proc/PID/smaps_rollup (PSS: shared pages divided among every process mapping them,
 * what the machine really pays; RSS; USS: private pages only). Read-only, Linux only.
 */
import { readFileSync, readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** USER_HZ on Linux: /proc/PID/stat counts CPU time in 1/100 s. */
export const TICKS_PER_S = 100;

export interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime of the process itself (every thread), in ticks. */
  own: number;
  /** cutime + cstime: descendants that exited and were reaped, in ticks. */
  reaped: number;
}

/** Parses one /proc/PID/stat line (the command may hold spaces and parentheses). */
export function parseStat(pid: number, line: string): ProcStat {
  const open = line.indexOf("(");
  const close = line.lastIndexOf(")");
  // Fields after "(comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime …
  const f = line.slice(close + 2).split(" ");
  return {
    pid,
    comm: line.slice(open + 1, close),
    ppid: Number(f[1]),
    own: Number(f[11]) + Number(f[12]),
    reaped: Number(f[13]) + Number(f[14]),
  };
}

export function readStat(pid: number): ProcStat | null {
  try {
    return parseStat(pid, readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return null; // gone meanwhile
  }
}

/** Every process alive now, from one scan of /proc. */
export function scanProc(): Map<number, ProcStat> {
  const all = new Map<number, ProcStat>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const s = readStat(Number(d));
    if (s) all.set(s.pid, s);
  }
  return all;
}

/** `root` and every descendant alive now, from one scan of /proc. */
export function treeOf(root: number): Map<number, ProcStat> {
  return descendants(scanProc(), root);
}

/** The subset of `all` that is `root` or descends from it (pure, for tests). */
export function descendants(all: Map<number, ProcStat>, root: number): Map<number, ProcStat> {
  const want = new Set<number>(all.has(root) ? [root] : []);
  for (let grew = want.size > 0; grew;) {
    grew = false;
    for (const [pid, s] of all) {
      if (!want.has(pid) && want.has(s.ppid)) {
        want.add(pid);
        grew = true;
      }
    }
  }
  return new Map([...want].map((p) => [p, all.get(p)!] as const));
}

export interface Memory {
  pssKiB: number;
  rssKiB: number;
  /** Private_Clean + Private_Dirty: what would be freed if the process exited. */
  ussKiB: number;
}

/** Parses /proc/PID/smaps_rollup text (pure, for tests). */
export function parseRollup(text: string): Memory {
  const kib = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
  return {
    pssKiB: kib("Pss"),
    rssKiB: kib("Rss"),
    ussKiB: kib("Private_Clean") + kib("Private_Dirty"),
  };
}

export function readMemory(pid: number): Memory | null {
  try {
    return parseRollup(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
  } catch {
    return null;
  }
}

export const ZERO_MEMORY: Memory = { pssKiB: 0, rssKiB: 0, ussKiB: 0 };

export function addMemory(a: Memory, b: Memory): Memory {
  return { pssKiB: a.pssKiB + b.pssKiB, rssKiB: a.rssKiB + b.rssKiB, ussKiB: a.ussKiB + b.ussKiB };
}

/**
 * CPU ticks a tree spent between two scans: processes alive at both ends count their delta,
 * processes born meanwhile count whole, and a process that died meanwhile counts through its
 * parent's reaped time (cutime/cstime), less what it had already spent at the first scan
 * (reaped time holds its whole life). Misses only descendants that died unreaped.
 */
export function treeTicks(first: Map<number, ProcStat>, last: Map<number, ProcStat>): number {
  let t = 0;
  for (const [pid, s] of last) {
    const before = first.get(pid);
    t += s.own + s.reaped - (before ? before.own + before.reaped : 0);
  }
  for (const [pid, s] of first) if (!last.has(pid) && last.has(s.ppid)) t -= s.own + s.reaped;
  return t;
}

/** CPU ticks of every thread of a process now: tid → { name, ticks } (threads gone are absent). */
export function threadTicks(pid: number): Map<number, { name: string; ticks: number }> {
  const out = new Map<number, { name: string; ticks: number }>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tids) {
    try {
      const s = parseStat(Number(t), readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8"));
      out.set(s.pid, { name: s.comm, ticks: s.own });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export interface MappingMemory {
  name: string;
  rssKiB: number;
  pssKiB: number;
  privateKiB: number;
}

/**
 * /proc/PID/smaps text summed per mapped file (pure): shared libraries by file name, anonymous
 * memory as "[anon]" (the JS heap, malloc arenas, thread stacks), "[heap]", "[stack]".
 */
export function memoryByMapping(smaps: string): MappingMemory[] {
  const out = new Map<string, MappingMemory>();
  let cur: MappingMemory | null = null;
  for (const line of smaps.split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const path = head[1]!.trim();
      const name = path === "" ? "[anon]" : path.startsWith("[") ? path : path.split("/").at(-1)!;
      cur = out.get(name) ?? { name, rssKiB: 0, pssKiB: 0, privateKiB: 0 };
      out.set(name, cur);
      continue;
    }
    const kv = /^(Rss|Pss|Private_Clean|Private_Dirty):\s+(\d+) kB/.exec(line);
    if (!kv || !cur) continue;
    const v = Number(kv[2]);
    if (kv[1] === "Rss") cur.rssKiB += v;
    else if (kv[1] === "Pss") cur.pssKiB += v;
    else cur.privateKiB += v;
  }
  return [...out.values()].sort((a, b) => b.rssKiB - a.rssKiB);
}

/** Per-thread CPU of `pid` over `seconds`, grouped by thread name, % of one core. */
export async function threadCpu(pid: number, seconds: number): Promise<Map<string, number>> {
  const a = threadTicks(pid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const b = threadTicks(pid);
  const elapsed = (performance.now() - t0) / 1000;
  const out = new Map<string, number>();
  for (const [tid, t] of b) {
    const pct = ((t.ticks - (a.get(tid)?.ticks ?? 0)) / TICKS_PER_S / elapsed) * 100;
    // V8's and libuv's threads may carry the process's name: the main thread is the one tid = pid.
    const name = tid === pid ? "main thread" : t.name;
    out.set(name, (out.get(name) ?? 0) + pct);
  }
  return out;
}
