/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`, the .cpuprofile JSON) (pure): time per
 * function, self (samples whose top frame it is) and inclusive (samples with it anywhere on the
 * stack), as % of the profile's wall time (= % of one core on the main thread) and as % of the
 * main thread's busy time (everything but "(idle)").
 */

export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface FunctionTime {
  name: string;
  selfUs: number;
  totalUs: number;
}

export interface ProfileSummary {
  wallUs: number;
  busyUs: number;
  functions: FunctionTime[];
}

/** "fn (file.js:line)" with the path shortened to what follows dist/ or node_modules/. */
export function frameName(f: CallFrame): string {
  const fn = f.functionName || "(anonymous)";
  if (!f.url) return fn;
  const short = f.url.replace(/^.*\/(dist|node_modules)\//, "$1/").replace(/^file:\/\//, "");
  return `${fn} (${short}:${f.lineNumber + 1})`;
}

/** Only the samples taken between `fromS` and `toS` seconds after the profile started count. */
export function summarizeProfile(p: CpuProfile, fromS = 0, toS = Infinity): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n] as const));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let wall = 0;
  let idle = 0;
  let at = 0;
  p.samples.forEach((id, i) => {
    // timeDeltas[i] is the time since the previous sample: it belongs to this sample.
    const dt = Math.max(0, p.timeDeltas[i] ?? 0);
    at += dt;
    if (at < fromS * 1e6 || at > toS * 1e6) return;
    wall += dt;
    const top = byId.get(id);
    if (!top) return;
    const name = frameName(top.callFrame);
    if (name === "(idle)") idle += dt;
    self.set(name, (self.get(name) ?? 0) + dt);
    const onStack = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const node = byId.get(n);
      if (node) onStack.add(frameName(node.callFrame));
    }
    for (const f of onStack) total.set(f, (total.get(f) ?? 0) + dt);
  });
  const functions = [...total.entries()].map(([name, t]) => ({
    name,
    selfUs: self.get(name) ?? 0,
    totalUs: t,
  }));
  return { wallUs: wall, busyUs: wall - idle, functions };
}

/** Markdown rows of the top `n` functions by `key`, as % of one core and % of busy time. */
export function topRows(s: ProfileSummary, key: "selfUs" | "totalUs", n: number): string[] {
  const pct = (us: number, of: number) => ((100 * us) / of).toFixed(2);
  const skip = new Set(["(root)", "(idle)"]);
  return [...s.functions]
    .filter((f) => !skip.has(f.name))
    .sort((a, b) => b[key] - a[key])
    .slice(0, n)
    .map((f) => `| ${f.name} | ${pct(f[key], s.wallUs)} | ${pct(f[key], s.busyUs)} |`);
}
