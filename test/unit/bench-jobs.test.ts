/**
 * The benches' jobs (bench/lib): the channel file antenne gets is valid and is the shape, the
 * Liquidsoap reference adapted to a shape still passes `liquidsoap --check` (when installed),
 * the floor's five encodes, and the real-job report's ratios and targets.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { antenneYaml, metricSum } from "../../bench/lib/antenne-job.js";
import { floorArgs } from "../../bench/lib/floor-job.js";
import { parseArgs, parseEnv, parseKinds } from "../../bench/lib/jobs.js";
import { adaptReference, parseEvents } from "../../bench/lib/liquidsoap-job.js";
import { summarize, type RunResult } from "../../bench/lib/real-job-report.js";
import { installed, referenceFile } from "../../bench/lib/reference.js";
import { PRODUCTION, SPEC_JOB, type JobPlan, type Shape } from "../../bench/lib/shape.js";
import type { TreeUsage } from "../../bench/lib/tree-sampler.js";
import { parseChannel } from "../../src/config/load.js";
import { run } from "../helpers/proc.js";

const ice = { port: 8000, password: "pw", sourceUrl: (m: string) => `http://source:pw@127.0.0.1:8000/${m}` };
const plan = (shape: Shape): JobPlan => ({
  shape,
  ports: Array.from({ length: shape.inputs }, (_, i) => 11000 + i),
  dir: "/tmp/x",
  tag: "t1",
  ice,
});

test("antenne's bench channel file: valid, the shape's inputs in order, safety last, SPEC ladder and mounts", () => {
  const cfg = parseChannel(antenneYaml(plan(PRODUCTION), 9999), join(tmpdir(), "bench.yaml"), {});
  assert.equal(cfg.audio.sampleRate, 44100);
  assert.deepEqual(
    cfg.inputs.map((i) => i.id),
    ["in1", "in2", "in3", "in4", "in5", "in6", "in7", "safety"],
  );
  assert.deepEqual(cfg.outputs.hls?.profiles, ["lofi", "midfi", "hifi"]);
  assert.equal(cfg.outputs.hls?.segmentSec, 4);
  assert.deepEqual(
    cfg.outputs.icecast.map((o) => [o.profile, o.url]),
    [
      ["hifi", "http://source:pw@127.0.0.1:8000/t1.aac"],
      ["mp3", "http://source:pw@127.0.0.1:8000/t1.mp3"],
    ],
  );
  const spec = parseChannel(antenneYaml(plan(SPEC_JOB), 9999), join(tmpdir(), "bench.yaml"), {});
  assert.deepEqual(
    spec.inputs.map((i) => i.id),
    ["main", "backup", "safety"],
  );
});

test("the floor: one ffmpeg, every fed sender as a listener input, five encodes from the first", () => {
  const args = floorArgs(plan(PRODUCTION), "/tmp/x/hls");
  assert.equal(args.filter((a) => a === "-i").length, PRODUCTION.fed);
  assert.equal(args.filter((a) => a === "-c:a").length, 5);
  assert.ok(
    args.filter((a) => a === "-map").length === 5 &&
      args.every((a, i) => args[i - 1] !== "-map" || a === "0:a"),
  );
  assert.ok(args.includes("icecast://source:pw@127.0.0.1:8000/t1.mp3"));
  assert.equal(args[args.indexOf("-hls_time") + 1], "4");
});

test("the reference adapted to 7 inputs: inputs, fallback, 4 s segments, queues, mounts; logic untouched", async (t) => {
  let ref: string;
  try {
    ref = readFileSync(referenceFile("liquidsoap-channel.liq"), "utf8");
  } catch (err) {
    return t.skip(String(err));
  }
  const s = adaptReference(ref, PRODUCTION, plan(PRODUCTION).ports, "t1");
  assert.equal((s.match(/= srt_listener\(/g) ?? []).length, 7);
  assert.match(s, /^in7 = srt_listener\("in7", 11006\)$/m);
  assert.ok(s.includes("[in1, in2, in3, in4, in5, in6, in7, silence]"));
  assert.ok(s.includes("segment_duration=4.0,"));
  assert.ok(s.includes("generic_queues.set(11)"));
  assert.ok(s.includes('mount="/t1.aac"') && s.includes('mount="/t1.mp3"'));
  // Everything else is the reference, line for line.
  const kept = ref
    .split("\n")
    .filter((l) => !/srt_listener\("|silence\]|segment_duration|generic_queues|mount=/.test(l));
  for (const l of kept) assert.ok(s.includes(l), `reference line lost: ${l}`);
  assert.throws(() => adaptReference("nothing here", PRODUCTION, [], "t"), /expected one/);
  if (!installed("liquidsoap")) return t.skip("liquidsoap not installed");
  const dir = mkdtempSync(join(tmpdir(), "antenne-test-liq-"));
  try {
    writeFileSync(join(dir, "c.liq"), s);
    const r = await run("liquidsoap", ["--check", join(dir, "c.liq")], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stdout.toString() + r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("job lists and build B's environment from the bench's env variables", () => {
  assert.deepEqual(parseKinds(undefined), ["antenne", "floor", "liquidsoap"]);
  assert.deepEqual(parseKinds("antenne, antenne-b"), ["antenne", "antenne-b"]);
  assert.throws(() => parseKinds("antenne,icecast"), /unknown job "icecast"/);
  assert.deepEqual(parseEnv(" MALLOC_ARENA_MAX=2  A=b=c "), { MALLOC_ARENA_MAX: "2", A: "b=c" });
  assert.deepEqual(parseEnv(undefined), {});
  assert.deepEqual(parseArgs(" --single-threaded-gc  --trace-gc "), ["--single-threaded-gc", "--trace-gc"]);
  assert.deepEqual(parseArgs(undefined), []);
  assert.throws(() => parseEnv("novalue"), /not K=V/);
});

test("Liquidsoap's event log and Prometheus sums", () => {
  assert.deepEqual(parseEvents("1700000000.5 on_air main\n\n1700000001 blank program\n"), [
    { t: 1700000000500, what: "on_air", detail: "main" },
    { t: 1700000001000, what: "blank", detail: "program" },
  ]);
  const text = 'a_total{from="x",to="y"} 2\na_total{from="y",to="x"} 3\nab_total 7\n# HELP a_total x\n';
  assert.equal(metricSum(text, "a_total"), 5);
  assert.ok(Number.isNaN(metricSum(text, "missing")));
});

const usage = (treeCpu: number, rootCpu: number, pss: number, rss: number): TreeUsage => ({
  seconds: 60,
  treeCpu,
  rootCpu,
  tree: { pss, rss, uss: pss },
  root: { pss: pss / 2, rss: rss / 2, uss: pss / 2 },
  peakTreePss: pss,
  peakTreeRss: rss,
  processes: 2,
  byCommand: new Map(),
});

test("real-job report: medians of valid runs, ratios within a round, the issue's targets", () => {
  const r = (kind: RunResult["kind"], round: number, u: TreeUsage, issues: string[] = []): RunResult => ({
    kind,
    shape: SPEC_JOB.name,
    round,
    usage: u,
    issues,
    health: {},
    load: [0.5, 0.5],
  });
  const results = [
    r("antenne", 1, usage(8, 2, 120, 180)),
    r("floor", 1, usage(10, 10, 30, 60)),
    r("liquidsoap", 1, usage(12, 12, 200, 250)),
    r("antenne", 2, usage(9, 2.5, 130, 190)),
    r("floor", 2, usage(9, 9, 30, 60)),
    r("liquidsoap", 2, usage(10, 10, 210, 250)),
    r("antenne", 3, usage(50, 40, 900, 900), ["mount /x not live"]), // left out
  ];
  const out = summarize(results, [SPEC_JOB]).join("\n");
  assert.match(out, /1 invalid/);
  assert.match(out, /\| antenne \| 8\.50 \| 2\.25 \| 125 \| 185 \| 125 \| 63 \| 93 \| 2 \|/);
  // Round ratios: 8/10, 9/9 → median 0.90; 8/12, 9/10 → 0.78.
  assert.match(out, /antenne \/ ffmpeg floor, tree CPU, median of round ratios: 0\.90/);
  assert.match(out, /\| tree CPU ≤ 0\.8 × Liquidsoap \(median of round ratios\) \| 0\.78 \| met \|/);
  assert.match(out, /\| tree CPU ≤ 1\.0 × ffmpeg floor \(median of round ratios\) \| 0\.90 \| met \|/);
  assert.match(out, /\| daemon < 100 MB RSS \(95\.4 MiB\) \| 92\.5 MiB \| met \|/);
  assert.match(out, /\| tree PSS below Liquidsoap's \| 125\.0 vs 205\.0 MiB \| met \|/);
});
