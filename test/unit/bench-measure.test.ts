/** The benches' measuring helpers (bench/lib): /proc parsing, tree CPU, statistics, CPU profiles. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { allocationsByFunction, type HeapProfileNode } from "../../bench/lib/alloc-profile.js";
import { summarizeProfile, topRows, type CpuProfile } from "../../bench/lib/cpu-profile.js";
import {
  descendants,
  memoryByMapping,
  parseRollup,
  parseStat,
  readMemory,
  threadTicks,
  treeOf,
  treeTicks,
  type ProcStat,
} from "../../bench/lib/proc-tree.js";
import { atMost, median, quantile, verdict } from "../../bench/lib/stats.js";

test("parseStat: a command with spaces and parentheses, utime+stime and the reaped children's time", () => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
  const line = "4242 (my (odd) cmd) S 17 4242 4242 0 -1 4194304 100 0 0 0 250 50 30 20 20 0 5 0 1000";
  const s = parseStat(4242, line);
  assert.deepEqual(s, { pid: 4242, comm: "my (odd) cmd", ppid: 17, own: 300, reaped: 50 });
});

const proc = (pid: number, ppid: number, own: number, reaped = 0): ProcStat => ({
  pid,
  ppid,
  comm: `p${pid}`,
  own,
  reaped,
});

test("descendants: the root and everything under it, nothing beside it", () => {
  const all = new Map([1, 10, 11, 12, 20].map((p) => [p, proc(p, 0, 0)] as const));
  all.set(10, proc(10, 1, 0));
  all.set(11, proc(11, 10, 0));
  all.set(12, proc(12, 11, 0));
  all.set(20, proc(20, 1, 0));
  assert.deepEqual([...descendants(all, 10).keys()].sort(), [10, 11, 12]);
  assert.equal(descendants(all, 99).size, 0);
});

test("treeTicks: deltas of survivors, newborns whole, the dead through their parent's reaped time", () => {
  const first = new Map([
    [10, proc(10, 1, 100)],
    [11, proc(11, 10, 40)], // dies meanwhile, reaped by 10 with 50 ticks in all
  ]);
  const last = new Map([
    [10, proc(10, 1, 130, 50)],
    [12, proc(12, 10, 7)], // born meanwhile
  ]);
  // 30 (root) + 7 (newborn) + 10 (the dead one's last 10 ticks: 50 reaped − 40 already seen)
  assert.equal(treeTicks(first, last), 47);
});

test("parseRollup: PSS, RSS and private pages from smaps_rollup; this process's own reading", () => {
  const text = [
    "55d0c0000000-7ffd00000000 ---p 00000000 00:00 0                          [rollup]",
    "Rss:              120000 kB",
    "Pss:               80000 kB",
    "Pss_Anon:          60000 kB",
    "Shared_Clean:      40000 kB",
    "Private_Clean:      5000 kB",
    "Private_Dirty:     70000 kB",
  ].join("\n");
  assert.deepEqual(parseRollup(text), { pssKiB: 80000, rssKiB: 120000, ussKiB: 75000 });
  const me = readMemory(process.pid);
  assert.ok(me && me.rssKiB > 10_000 && me.pssKiB > 0 && me.pssKiB <= me.rssKiB, JSON.stringify(me));
  assert.ok(treeOf(process.pid).has(process.pid));
  assert.ok(threadTicks(process.pid).has(process.pid), "the main thread is the task whose tid is the pid");
});

test("memoryByMapping: summed per file, anonymous and bracketed mappings apart, largest RSS first", () => {
  const smaps = [
    "7f00-7f10 r-xp 00000000 08:01 123 /usr/lib/x86_64-linux-gnu/libavcodec.so.59.37.100",
    "Rss:                 800 kB",
    "Pss:                 200 kB",
    "Private_Clean:         0 kB",
    "Private_Dirty:         0 kB",
    "7f10-7f20 rw-p 00100000 08:01 123 /usr/lib/x86_64-linux-gnu/libavcodec.so.59.37.100",
    "Rss:                 300 kB",
    "Pss:                 300 kB",
    "Private_Clean:         0 kB",
    "Private_Dirty:       300 kB",
    "7f20-7f30 rw-p 00000000 00:00 0 ",
    "Rss:                2000 kB",
    "Pss:                2000 kB",
    "Private_Clean:         0 kB",
    "Private_Dirty:      2000 kB",
    "7f30-7f40 rw-p 00000000 00:00 0                          [anon:v8]",
    "Rss:                   4 kB",
    "Pss:                   4 kB",
  ].join("\n");
  assert.deepEqual(memoryByMapping(smaps), [
    { name: "[anon]", rssKiB: 2000, pssKiB: 2000, privateKiB: 2000 },
    { name: "libavcodec.so.59.37.100", rssKiB: 1100, pssKiB: 500, privateKiB: 300 },
    { name: "[anon:v8]", rssKiB: 4, pssKiB: 4, privateKiB: 0 },
  ]);
});

test("stats: median and interpolated quantiles skip non-numbers; verdicts say when they cannot tell", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.equal(median([NaN, 5, Infinity]), 5);
  assert.equal(quantile([0, 10], 0.9), 9);
  assert.equal(atMost(1, 2), true);
  assert.equal(atMost(3, 2), false);
  assert.equal(atMost(NaN, 2), null);
  assert.equal(verdict(null), "n/a");
  assert.equal(verdict(false), "NOT met");
});

/** root → tick → work (self 3 samples), tick (self 1), idle 4; every sample 1000 µs apart. */
function profile(): CpuProfile {
  const frame = (functionName: string, url = "", lineNumber = 0) => ({ functionName, url, lineNumber });
  return {
    nodes: [
      { id: 1, callFrame: frame("(root)"), children: [2, 4] },
      { id: 2, callFrame: frame("tick", "file:///x/dist/src/engine/program.js", 51), children: [3] },
      { id: 3, callFrame: frame("work", "file:///x/dist/src/engine/level.js", 9) },
      { id: 4, callFrame: frame("(idle)") },
    ],
    samples: [3, 3, 2, 4, 4, 3, 4, 4],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
    startTime: 0,
    endTime: 8000,
  };
}

test("summarizeProfile: self and inclusive time, busy = not idle, a window by time", () => {
  const s = summarizeProfile(profile());
  assert.equal(s.wallUs, 8000);
  assert.equal(s.busyUs, 4000);
  const f = (name: string) => s.functions.find((x) => x.name.startsWith(name))!;
  assert.equal(f("work").selfUs, 3000);
  assert.equal(f("work").totalUs, 3000);
  assert.equal(f("tick").selfUs, 1000);
  assert.equal(f("tick").totalUs, 4000);
  assert.equal(f("tick").name, "tick (dist/src/engine/program.js:52)");
  // The rows: % of wall (one core) and % of busy time; root and idle are left out.
  assert.deepEqual(topRows(s, "totalUs", 1), ["| tick (dist/src/engine/program.js:52) | 50.00 | 100.00 |"]);
  // Samples 2..5 ms only: work, tick, idle.
  const w = summarizeProfile(profile(), 0.0015, 0.0045);
  assert.equal(w.wallUs, 3000);
  assert.equal(w.busyUs, 2000);
});

test("allocationsByFunction: self bytes summed per function over the whole tree, largest first", () => {
  const node = (
    fn: string,
    url: string,
    selfSize: number,
    children: HeapProfileNode[] = [],
  ): HeapProfileNode => ({
    callFrame: { functionName: fn, url, lineNumber: 9 },
    selfSize,
    children,
  });
  const app = "file:///x/dist/src/engine/a.js";
  const root = node("(root)", "", 0, [
    node("tick", app, 100, [node("subarray", "", 300), node("plan", app, 50)]),
    node("other", app, 0, [node("subarray", "", 200), node("plan", app, 25)]),
  ]);
  assert.deepEqual(allocationsByFunction(root), [
    { name: "subarray", bytes: 500 },
    { name: "tick (dist/src/engine/a.js:10)", bytes: 100 },
    { name: "plan (dist/src/engine/a.js:10)", bytes: 75 },
  ]);
});
