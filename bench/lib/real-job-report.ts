/**
 * The real-job bench's summary (pure): medians per job and shape, per-round ratios (antenne
 * against the floor and Liquidsoap measured in the same round), and issue 10's targets next to
 * the measured values. Runs with issues are left out.
 */
import type { JobHealth } from "./job.js";
import type { JobKind } from "./jobs.js";
import { PRODUCTION, SPEC_JOB, type Shape } from "./shape.js";
import { atMost, fmt, median, row, verdict } from "./stats.js";
import type { TreeUsage } from "./tree-sampler.js";

export interface RunResult {
  kind: JobKind;
  shape: string;
  round: number;
  usage: TreeUsage;
  issues: string[];
  health: JobHealth;
  load: [number, number];
}

/** 100 MB (SPEC §8 writes MB for the daemon's RSS) in MiB. */
const MB100_MIB = 100e6 / 2 ** 20;

export interface ShapeMedians {
  runs: number;
  treeCpu: number;
  rootCpu: number;
  treePss: number;
  treeRss: number;
  treeUss: number;
  rootPss: number;
  rootRss: number;
}

export function medians(runs: RunResult[]): ShapeMedians {
  const m = (f: (u: TreeUsage) => number) => median(runs.map((r) => f(r.usage)));
  return {
    runs: runs.length,
    treeCpu: m((u) => u.treeCpu),
    rootCpu: m((u) => u.rootCpu),
    treePss: m((u) => u.tree.pss),
    treeRss: m((u) => u.tree.rss),
    treeUss: m((u) => u.tree.uss),
    rootPss: m((u) => u.root.pss),
    rootRss: m((u) => u.root.rss),
  };
}

/** Median over rounds of `of`'s value / `other`'s, using rounds where both runs are valid. */
export function roundRatio(
  valid: RunResult[],
  other: JobKind,
  pick: (u: TreeUsage) => number,
  of: JobKind = "antenne",
): number {
  const rounds = [...new Set(valid.map((r) => r.round))];
  const ratios = rounds.flatMap((k) => {
    const a = valid.find((r) => r.round === k && r.kind === of);
    const b = valid.find((r) => r.round === k && r.kind === other);
    return a && b ? [pick(a.usage) / pick(b.usage)] : [];
  });
  return median(ratios);
}

const LABEL: Record<JobKind, string> = {
  antenne: "antenne",
  "antenne-b": "antenne B (BENCH_ANTENNE_B)",
  floor: "ffmpeg floor",
  liquidsoap: "Liquidsoap 2.1.3",
};

function table(by: Map<JobKind, ShapeMedians>): string[] {
  const out = [
    row([
      "job",
      "tree CPU %",
      "daemon CPU %",
      "tree PSS MiB",
      "tree RSS MiB",
      "tree USS MiB",
      "daemon PSS MiB",
      "daemon RSS MiB",
      "valid runs",
    ]),
    row(Array(9).fill("---")),
  ];
  for (const [k, m] of by)
    out.push(
      row([
        LABEL[k],
        fmt(m.treeCpu),
        fmt(m.rootCpu),
        fmt(m.treePss, 0),
        fmt(m.treeRss, 0),
        fmt(m.treeUss, 0),
        fmt(m.rootPss, 0),
        fmt(m.rootRss, 0),
        m.runs,
      ]),
    );
  return out;
}

interface Target {
  what: string;
  measured: string;
  ok: boolean | null;
}

function specTargets(by: Map<JobKind, ShapeMedians>, valid: RunResult[]): Target[] {
  const a = by.get("antenne");
  if (!a) return [];
  const liq = by.get("liquidsoap");
  const rLiq = roundRatio(valid, "liquidsoap", (u) => u.treeCpu);
  const rFloor = roundRatio(valid, "floor", (u) => u.treeCpu);
  return [
    {
      what: "tree CPU ≤ 0.8 × Liquidsoap (median of round ratios)",
      measured: fmt(rLiq),
      ok: atMost(rLiq, 0.8),
    },
    {
      what: "tree CPU ≤ 1.0 × ffmpeg floor (median of round ratios)",
      measured: fmt(rFloor),
      ok: atMost(rFloor, 1.0),
    },
    { what: "daemon < 3 % of one core", measured: `${fmt(a.rootCpu)} %`, ok: a.rootCpu < 3 },
    {
      what: "daemon < 100 MB RSS (95.4 MiB)",
      measured: `${fmt(a.rootRss, 1)} MiB`,
      ok: a.rootRss < MB100_MIB,
    },
    { what: "tree PSS ≤ 150 MiB", measured: `${fmt(a.treePss, 1)} MiB`, ok: a.treePss <= 150 },
    {
      what: "tree PSS below Liquidsoap's",
      measured: `${fmt(a.treePss, 1)} vs ${fmt(liq?.treePss ?? NaN, 1)} MiB`,
      ok: liq ? a.treePss < liq.treePss : null,
    },
  ];
}

function productionTargets(shape: Shape, by: Map<JobKind, ShapeMedians>): Target[] {
  const a = by.get("antenne");
  const f = by.get("floor");
  if (!a) return [];
  const allowance = 1 * Math.max(0, shape.fed - 2) + 0.3 * (shape.inputs - shape.fed);
  const limit = (f?.treeCpu ?? NaN) + allowance;
  return [
    {
      what: `tree CPU ≤ floor + ${fmt(allowance, 1)} % (1 % per fed input beyond two, 0.3 % per idle one)`,
      measured: `${fmt(a.treeCpu)} % vs ${fmt(limit)} %`,
      ok: atMost(a.treeCpu, limit),
    },
    { what: "tree PSS ≤ 200 MiB", measured: `${fmt(a.treePss, 1)} MiB`, ok: a.treePss <= 200 },
  ];
}

/** What the inputs the production shape adds cost antenne, against their allowance. */
function extraInputs(spec: ShapeMedians, prod: ShapeMedians): Target[] {
  const fed = PRODUCTION.fed - SPEC_JOB.fed;
  const idle = PRODUCTION.inputs - PRODUCTION.fed - (SPEC_JOB.inputs - SPEC_JOB.fed);
  const cpu = prod.treeCpu - spec.treeCpu;
  const pss = prod.treePss - spec.treePss;
  return [
    {
      what: `${fed} fed + ${idle} idle inputs more: CPU ≤ ${fed} × 1 + ${idle} × 0.3 %`,
      measured: `+${fmt(cpu)} %`,
      ok: atMost(cpu, fed + 0.3 * idle),
    },
    {
      what: `… and PSS ≤ ${fed} × 10 + ${idle} × 5 MiB`,
      measured: `+${fmt(pss, 1)} MiB`,
      ok: atMost(pss, 10 * fed + 5 * idle),
    },
  ];
}

export function summarize(results: RunResult[], shapes: Shape[]): string[] {
  const out: string[] = [];
  const perShape = new Map<string, Map<JobKind, ShapeMedians>>();
  for (const shape of shapes) {
    const valid = results.filter((r) => r.shape === shape.name && r.issues.length === 0);
    const by = new Map<JobKind, ShapeMedians>();
    for (const k of ["antenne", "antenne-b", "floor", "liquidsoap"] as const) {
      const runs = valid.filter((r) => r.kind === k);
      if (runs.length) by.set(k, medians(runs));
    }
    perShape.set(shape.name, by);
    const invalid = results.filter((r) => r.shape === shape.name).length - valid.length;
    out.push(
      `## ${shape.name}: ${shape.inputs} SRT inputs, ${shape.fed} fed (medians of valid runs; ${invalid} invalid)`,
      "",
    );
    out.push(...table(by), "");
    const ratio = (k: JobKind) => roundRatio(valid, k, (u) => u.treeCpu);
    out.push(`antenne / ffmpeg floor, tree CPU, median of round ratios: ${fmt(ratio("floor"))}`);
    out.push(`antenne / Liquidsoap, tree CPU, median of round ratios: ${fmt(ratio("liquidsoap"))}`, "");
    if (by.has("antenne-b")) {
      const b = (pick: (u: TreeUsage) => number) => fmt(roundRatio(valid, "antenne", pick, "antenne-b"), 3);
      out.push(
        `antenne B / antenne, median of round ratios: tree CPU ${b((u) => u.treeCpu)}, daemon CPU ${b((u) => u.rootCpu)}, ` +
          `tree PSS ${b((u) => u.tree.pss)}, daemon RSS ${b((u) => u.root.rss)}`,
        "",
      );
    }
    const targets = shape.name === SPEC_JOB.name ? specTargets(by, valid) : productionTargets(shape, by);
    out.push(...targetTable(targets));
  }
  const spec = perShape.get(SPEC_JOB.name)?.get("antenne");
  const prod = perShape.get(PRODUCTION.name)?.get("antenne");
  if (spec && prod)
    out.push(
      "## what the production shape's extra inputs cost antenne",
      "",
      ...targetTable(extraInputs(spec, prod)),
    );
  return out;
}

function targetTable(ts: Target[]): string[] {
  if (!ts.length) return [];
  return [
    row(["target", "measured", ""]),
    row(["---", "---", "---"]),
    ...ts.map((t) => row([t.what, t.measured, verdict(t.ok)])),
    "",
  ];
}
