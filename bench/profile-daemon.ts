/**
 * Issue 10: where antenne's cost goes on the SPEC job (2 stock SRT senders, AAC + MP2 at
 * 44.1 kHz, safety tone, HLS 32k/96k/192k in 4 s segments, Icecast AAC 192k + MP3 128k on a real
 * icecast2). Two daemons one after the other, so that no tool disturbs another's numbers:
 *   A. with node --cpu-prof: BENCH_SECONDS after warm-up, the daemon's threads' and encoder's
 *      CPU from /proc (which thread: main, libuv pool, V8 workers, libsrt's); the profile is
 *      summarized over that window only (self and inclusive time per function);
 *   B. without it: threads' CPU again, then `perf record` (CPU by shared object), then
 *      `strace -c -f` (system calls), of the daemon and then of the encoder, 20 s each.
 *
 *   C. (BENCH_PHASES=c): bytes allocated per function and second (V8's sampling heap profiler,
 *      collected objects included: what the garbage collector has to clear).
 *   M. (BENCH_PHASES=m): the daemon's memory by mapping and V8's heap spaces (from /metrics), only;
 *      BENCH_NODE_ARGS="--trace-gc" adds node flags, BENCH_ENV="K=V …" environment, BENCH_HOLD_S keeps it running for a look.
 *
 *   node dist/bench/profile-daemon.js      env: BENCH_SECONDS=40, BENCH_PHASES=a,b (or m),
 *                                          BENCH_KEEP=1 keeps the raw files
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { freeUdpPort } from "../test/helpers/ports.js";
import { run, until } from "../test/helpers/proc.js";
import { metricSum, startAntenne } from "./lib/antenne-job.js";
import { allocationsByFunction, type HeapProfileNode } from "./lib/alloc-profile.js";
import { summarizeProfile, topRows, type CpuProfile } from "./lib/cpu-profile.js";
import { BenchIcecast } from "./lib/icecast.js";
import type { Job } from "./lib/job.js";
import { parseArgs, parseEnv, problems } from "./lib/jobs.js";
import { memoryByMapping, threadCpu, treeOf } from "./lib/proc-tree.js";
import { Sender, makeSourceFile, type SenderCodec } from "./lib/senders.js";
import { SPEC_JOB, senderCodec, type JobPlan } from "./lib/shape.js";
import { fmt } from "./lib/stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 40);
const TOOL_SECONDS = 20;
const WARMUP = 10;
const LIFETIME_MS = (WARMUP + SECONDS + 5 * TOOL_SECONDS + 120) * 1000;

async function perfByDso(pid: number, dir: string, label: string): Promise<string> {
  const data = join(dir, `perf-${label}.data`);
  const args = [
    "record",
    "-F",
    "1999",
    "-g",
    "-p",
    String(pid),
    "-o",
    data,
    "--",
    "sleep",
    String(TOOL_SECONDS),
  ];
  const rec = await run("perf", args, { timeoutMs: (TOOL_SECONDS + 30) * 1000 });
  if (rec.code !== 0) return `    perf record failed: ${rec.stderr.trim().split("\n").at(-1)}`;
  const report = async (sort: string, n: number) => {
    const args = ["report", "-i", data, "--stdio", "--no-children", "--sort", sort, "-q", "-g", "none"];
    const rep = await run("perf", args, { timeoutMs: 60_000 });
    const lines = rep.stdout
      .toString()
      .split("\n")
      .filter((l) => l.includes("%"));
    return lines.slice(0, n).map((l) => `    ${l.trim()}`);
  };
  return [...(await report("dso", 10)), "  top symbols:", ...(await report("dso,sym", 15))].join("\n");
}

async function straceSummary(pid: number): Promise<string> {
  const args = ["--signal=INT", String(TOOL_SECONDS), "strace", "-c", "-f", "-p", String(pid)];
  const r = await run("timeout", args, { timeoutMs: (TOOL_SECONDS + 30) * 1000 });
  const lines = r.stderr.split("\n").filter((l) => /^\s*[\d.]+\s+[\d.]+/.test(l) || l.includes("total"));
  return lines
    .slice(0, 12)
    .map((l) => `    ${l.trim()}`)
    .join("\n");
}

interface Setup {
  dir: string;
  ice: BenchIcecast;
  files: Record<SenderCodec, string>;
}

/** One daemon on the SPEC job with its senders, on air; `body` runs, then everything stops. */
async function withDaemon(
  s: Setup,
  name: string,
  nodeArgs: string[],
  body: (job: Job, encoder: number | null) => Promise<void>,
  cli?: string,
  env: Record<string, string> = {},
): Promise<void> {
  const dir = join(s.dir, name);
  mkdirSync(dir);
  const ports = await Promise.all([freeUdpPort(), freeUdpPort()]);
  const plan: JobPlan = { shape: SPEC_JOB, ports, dir, tag: name, ice: s.ice };
  const job = await startAntenne(plan, LIFETIME_MS, nodeArgs, cli, env);
  const senders = [0, 1].map((i) => new Sender(s.files[senderCodec(i)], ports[i]!, LIFETIME_MS));
  try {
    await until(async () => (await problems(job, plan, null)).length === 0, 60_000, "main on air", 250);
    await sleep(WARMUP * 1000);
    const encoder = [...treeOf(job.pid).values()].find((p) => p.pid !== job.pid && p.comm === "ffmpeg");
    await body(job, encoder?.pid ?? null);
  } finally {
    await job.stop();
    await Promise.all(senders.map((x) => x.stop()));
  }
}

const listCpu = (m: Map<string, number>) =>
  `${fmt([...m.values()].reduce((a, b) => a + b, 0))} %: ` +
  [...m]
    .sort((a, b) => b[1] - a[1])
    .map(([n, v]) => `${n} ${fmt(v)}`)
    .join(", ");

async function phaseA(s: Setup): Promise<void> {
  const profDir = join(s.dir, "cpuprof");
  const t0 = performance.now();
  let fromS = 0;
  await withDaemon(s, "a", ["--cpu-prof", `--cpu-prof-dir=${profDir}`], async (job, encoder) => {
    fromS = (performance.now() - t0) / 1000;
    const [threads, enc] = await Promise.all([
      threadCpu(job.pid, SECONDS),
      encoder ? threadCpu(encoder, SECONDS) : Promise.resolve(new Map<string, number>()),
    ]);
    console.log(`\n## A. threads over ${SECONDS} s (% of one core)\n`);
    console.log(`daemon ${listCpu(threads)}`);
    console.log(`encoder ${listCpu(enc)}`);
  });
  const prof = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"));
  if (!prof) return console.log("no CPU profile written (the daemon did not exit normally)");
  const raw = JSON.parse(readFileSync(join(profDir, prof), "utf8")) as CpuProfile;
  const sum = summarizeProfile(raw, fromS, fromS + SECONDS);
  console.log(
    `\n## A. V8 CPU profile, daemon main thread, the same ${fmt(sum.wallUs / 1e6, 0)} s (busy ${fmt((100 * sum.busyUs) / sum.wallUs)} % of one core)\n`,
  );
  for (const key of ["selfUs", "totalUs"] as const) {
    console.log(
      `| ${key === "selfUs" ? "self" : "inclusive"}: function | % of one core | % of main-thread busy |`,
    );
    console.log(`| --- | --- | --- |\n${topRows(sum, key, 25).join("\n")}\n`);
  }
}

/** The largest mappings of a process by RSS, MiB. */
function memoryTable(pid: number, n: number): string {
  const rows = memoryByMapping(readFileSync(`/proc/${pid}/smaps`, "utf8"));
  const total = rows.reduce(
    (a, r) => ({ rss: a.rss + r.rssKiB, pss: a.pss + r.pssKiB, priv: a.priv + r.privateKiB }),
    {
      rss: 0,
      pss: 0,
      priv: 0,
    },
  );
  const f = (k: number) => fmt(k / 1024, 1);
  const lines = rows
    .slice(0, n)
    .map((r) => `| ${r.name} | ${f(r.rssKiB)} | ${f(r.pssKiB)} | ${f(r.privateKiB)} |`);
  return [
    "| mapping | RSS MiB | PSS MiB | private MiB |",
    "| --- | --- | --- | --- |",
    ...lines,
    `| all ${rows.length} | ${f(total.rss)} | ${f(total.pss)} | ${f(total.priv)} |`,
  ].join("\n");
}

async function phaseB(s: Setup): Promise<void> {
  await withDaemon(s, "b", [], async (job, encoder) => {
    console.log(`\n## B. daemon memory by mapping\n\n${memoryTable(job.pid, 15)}`);
    if (encoder) console.log(`\nencoder:\n\n${memoryTable(encoder, 8)}`);
    const [threads, enc] = await Promise.all([
      threadCpu(job.pid, TOOL_SECONDS),
      encoder ? threadCpu(encoder, TOOL_SECONDS) : Promise.resolve(new Map<string, number>()),
    ]);
    console.log(`\n## B. threads over ${TOOL_SECONDS} s without the profiler (% of one core)\n`);
    console.log(`daemon ${listCpu(threads)}`);
    console.log(`encoder ${listCpu(enc)}`);
    console.log(`\n## B. perf: CPU samples by shared object, ${TOOL_SECONDS} s each\n\ndaemon:`);
    console.log(await perfByDso(job.pid, s.dir, "daemon"));
    if (encoder) console.log(`encoder:\n${await perfByDso(encoder, s.dir, "encoder")}`);
    console.log(`\n## B. strace -c -f, ${TOOL_SECONDS} s each\n\ndaemon:`);
    console.log(await straceSummary(job.pid));
    if (encoder) console.log(`encoder:\n${await straceSummary(encoder)}`);
  });
}

/** Memory only: where the daemon's RSS goes (mappings; the V8 heap by space from /metrics). */
async function phaseM(s: Setup): Promise<void> {
  const body = async (job: Job) => {
    console.log(`\n## M. daemon memory by mapping\n\n${memoryTable(job.pid, 30)}`);
    const text = await (await fetch(job.metricsUrl!)).text();
    const rows = [
      ...text.matchAll(/^nodejs_heap_space_size_(used|total)_bytes\{space="([^"]+)"[^}]*\} (\S+)$/gm),
    ];
    console.log("\n| V8 heap space | used MiB | total MiB |\n| --- | --- | --- |");
    for (const space of new Set(rows.map((r) => r[2]!))) {
      const v = (k: string) => Number(rows.find((r) => r[1] === k && r[2] === space)?.[3] ?? NaN) / 2 ** 20;
      console.log(`| ${space} | ${fmt(v("used"), 1)} | ${fmt(v("total"), 1)} |`);
    }
    for (const m of [
      "nodejs_heap_size_used_bytes",
      "nodejs_external_memory_bytes",
      "process_resident_memory_bytes",
    ])
      console.log(`${m}: ${fmt(metricSum(text, m) / 2 ** 20, 1)} MiB`);
    const hold = Number(process.env.BENCH_HOLD_S ?? 0);
    if (hold > 0) {
      console.log(`daemon pid ${job.pid} held ${hold} s (BENCH_HOLD_S)`);
      await sleep(hold * 1000);
    }
  };
  await withDaemon(
    s,
    "m",
    parseArgs(process.env.BENCH_NODE_ARGS),
    body,
    undefined,
    parseEnv(process.env.BENCH_ENV),
  );
}

/** What the daemon allocates per second, by function (bench/lib/alloc-sampler.ts). */
async function phaseC(s: Setup): Promise<void> {
  const file = join(s.dir, "alloc.heapprofile");
  const cli = fileURLToPath(new URL("./lib/alloc-sampler.js", import.meta.url));
  const from = WARMUP + 20;
  const env = {
    ANTENNE_ALLOC_PROFILE: file,
    ANTENNE_ALLOC_FROM_S: String(from),
    ANTENNE_ALLOC_SECONDS: String(SECONDS),
  };
  await withDaemon(
    s,
    "c",
    parseArgs(process.env.BENCH_NODE_ARGS),
    async () => {
      await until(async () => existsSync(file), (from + SECONDS + 30) * 1000, "the allocation profile", 500);
    },
    cli,
    env,
  );
  const rows = allocationsByFunction(
    (JSON.parse(readFileSync(file, "utf8")) as { head: HeapProfileNode }).head,
  );
  const total = rows.reduce((a, r) => a + r.bytes, 0);
  console.log(`\n## C. allocations over ${SECONDS} s: ${fmt(total / SECONDS / 1024, 0)} KiB/s\n`);
  console.log("| function | KiB/s | share |\n| --- | --- | --- |");
  for (const r of rows.slice(0, 25))
    console.log(`| ${r.name} | ${fmt(r.bytes / SECONDS / 1024, 1)} | ${fmt((100 * r.bytes) / total, 1)} % |`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "antenne-bench-profile-"));
  const ice = await BenchIcecast.start();
  try {
    console.log(
      `# profile of antenne on the SPEC job, ${new Date().toISOString()}, load ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
    );
    const total = WARMUP + SECONDS + 5 * TOOL_SECONDS + 60;
    const files = {
      aac: await makeSourceFile(dir, "aac", total),
      mp2: await makeSourceFile(dir, "mp2", total),
    };
    const phases = (process.env.BENCH_PHASES ?? "a,b").split(",");
    if (phases.includes("a")) await phaseA({ dir, ice, files });
    if (phases.includes("b")) await phaseB({ dir, ice, files });
    if (phases.includes("m")) await phaseM({ dir, ice, files });
    if (phases.includes("c")) await phaseC({ dir, ice, files });
  } finally {
    await ice.dispose();
    if (process.env.BENCH_KEEP) console.log(`raw files kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
