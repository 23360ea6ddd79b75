/** Starting any of the three jobs by name, and the checks that a running job does its work. */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startAntenne } from "./antenne-job.js";
import { startFloor } from "./floor-job.js";
import type { Job } from "./job.js";
import { startLiquidsoap } from "./liquidsoap-job.js";
import { inputLabels, type JobPlan } from "./shape.js";

/**
 * "antenne-b": another build of antenne (BENCH_ANTENNE_B = its checkout, this one by default;
 * BENCH_ANTENNE_B_ENV = extra environment, BENCH_ANTENNE_B_NODE_ARGS = extra node flags), to
 * measure a change against this build in the same
 * interleaved rounds.
 */
export type JobKind = "antenne" | "antenne-b" | "floor" | "liquidsoap";
export const JOB_KINDS: JobKind[] = ["antenne", "floor", "liquidsoap"];
const ALL_KINDS: JobKind[] = [...JOB_KINDS, "antenne-b"];

export function startJob(kind: JobKind, plan: JobPlan, maxLifetimeMs: number): Promise<Job> {
  if (kind === "antenne") return startAntenne(plan, maxLifetimeMs);
  if (kind === "antenne-b") {
    const b = process.env.BENCH_ANTENNE_B ?? fileURLToPath(new URL("../../../", import.meta.url));
    return startAntenne(
      plan,
      maxLifetimeMs,
      parseArgs(process.env.BENCH_ANTENNE_B_NODE_ARGS),
      join(b, "dist", "src", "cli.js"),
      parseEnv(process.env.BENCH_ANTENNE_B_ENV),
    );
  }
  if (kind === "floor") return startFloor(plan, maxLifetimeMs);
  return startLiquidsoap(plan, maxLifetimeMs);
}

/** "--a --b=1" (node flags from an env variable; none when unset). */
export function parseArgs(text: string | undefined): string[] {
  return (text ?? "").split(/\s+/).filter(Boolean);
}

/** "K=V K2=V2" (BENCH_ANTENNE_B_ENV: environment for build B only, e.g. MALLOC_ARENA_MAX=2). */
export function parseEnv(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (text ?? "").split(/\s+/).filter(Boolean)) {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new Error(`not K=V: "${kv}"`);
    out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

/** Parses a comma-separated list of job kinds (env), rejecting unknown names. */
export function parseKinds(text: string | undefined): JobKind[] {
  if (!text) return JOB_KINDS;
  const kinds = text.split(",").map((s) => s.trim());
  for (const k of kinds)
    if (!ALL_KINDS.includes(k as JobKind)) throw new Error(`unknown job "${k}" (${ALL_KINDS.join(", ")})`);
  return kinds as JobKind[];
}

/**
 * What is wrong with a running job now (empty when nothing): exited, its Icecast mounts not
 * live, or (when it can tell) an input other than the first on air.
 */
export async function problems(job: Job, plan: JobPlan, liveMounts: Set<string> | null): Promise<string[]> {
  const out: string[] = [];
  if (job.exited) return [`${job.name} exited`];
  if (liveMounts) for (const m of job.mounts) if (!liveMounts.has(m)) out.push(`mount ${m} not live`);
  const first = inputLabels(plan.shape)[0];
  const onAir = await job.onAir();
  if (onAir !== null && onAir !== first) out.push(`on air: ${onAir}, not ${first}`);
  return out;
}
