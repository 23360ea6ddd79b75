/**
 * The Dockerfile's rules, asserted on its parsed form (dockerfile-ast through scripts/image-plan.ts,
 * the reader scripts/assemble-image.ts builds from): multi-stage, only dist/src and the page in
 * the final stage, a non-root numeric USER created by the image, HEALTHCHECK, STOPSIGNAL, the
 * volume, the entrypoint with the node flags. And the reader itself refuses what it cannot
 * reproduce.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { contextFilter } from "../../scripts/image-fs.js";
import { parseStages, parseSystemSetup, readImageSpec, type CopyStep } from "../../scripts/image-plan.js";
import { NODE_FLAGS } from "../../src/node-flags.js";
import { tempDir } from "../helpers/channel.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const spec = readImageSpec(readFileSync(join(REPO, "Dockerfile"), "utf8"));
const finalCopies: CopyStep[] = spec.final.steps.flatMap((s) => (s.kind === "copy" ? [s.copy] : []));

test("multi-stage: a build stage compiles, a deps stage installs without dev dependencies, on node 20", () => {
  assert.deepEqual(
    spec.stages.map((s) => s.name),
    ["build", "deps", "runtime"],
  );
  for (const s of spec.stages) assert.match(s.image, /^node:20-bookworm-slim$/);
  const runs = (name: string) =>
    spec.stages.find((s) => s.name === name)!.steps.flatMap((s) => (s.kind === "run" ? [s.command] : []));
  assert.deepEqual(runs("build"), ["npm ci --no-audit --no-fund", "npx tsc -p tsconfig.build.json"]);
  assert.deepEqual(runs("deps"), ["npm ci --omit=dev --no-audit --no-fund"]);
  const build = JSON.parse(readFileSync(join(REPO, "tsconfig.build.json"), "utf8")) as { include: string[] };
  assert.deepEqual(build.include, ["src/**/*.ts"], "the image compiles the daemon only");
});

test("the final stage copies dist/src, the page, package.json and the runtime node_modules: nothing else", () => {
  assert.deepEqual(finalCopies, [
    { from: null, sources: ["package.json"], dest: "./" },
    { from: "deps", sources: ["/app/node_modules"], dest: "./node_modules" },
    { from: "build", sources: ["/app/dist/src"], dest: "./dist/src" },
    { from: null, sources: ["src/api/static"], dest: "./src/api/static" },
  ]);
  for (const c of finalCopies)
    for (const s of c.sources) assert.doesNotMatch(s, /(^|\/)(test|bench|docs|channels|scripts)(\/|$)/, s);
  assert.equal(spec.workdir, "/app");
});

test("the build context is an allow-list: tests, benches, node_modules, dist and .git never enter it", () => {
  const allowed = contextFilter(REPO);
  for (const p of [
    "test/unit/config.test.ts",
    "bench/srt-cpu.ts",
    "node_modules/x",
    "dist/src/cli.js",
    ".git/HEAD",
  ])
    assert.equal(allowed(p), false, p);
  for (const s of spec.stages)
    for (const step of s.steps)
      if (step.kind === "copy" && step.copy.from === null)
        for (const src of step.copy.sources) assert.ok(allowed(src), `${src} must be in the context`);
});

test("runs as a non-root numeric user the image creates; the volume is that user's", () => {
  const user = spec.system.user;
  assert.ok(user, "useradd in the final stage");
  assert.equal(spec.user, `${user.uid}:${user.gid}`, "USER is the created user, numeric");
  assert.notEqual(user.uid, 0);
  assert.notEqual(user.gid, 0);
  assert.deepEqual(spec.volumes, ["/var/lib/antenne"]);
  for (const v of spec.volumes)
    assert.deepEqual(
      spec.system.dirs.find((d) => d.path === v),
      { path: v, owner: user.name, mode: "0750" },
      `${v} made for the user`,
    );
  assert.equal(spec.env.HOME, "/var/lib/antenne");
});

test("HEALTHCHECK runs the shipped health script; STOPSIGNAL is the one the daemon stops on", () => {
  assert.deepEqual(spec.healthcheck?.cmd, ["node", "/app/dist/src/healthcheck.js"]);
  assert.deepEqual(Object.keys(spec.healthcheck?.flags ?? {}).sort(), [
    "interval",
    "retries",
    "start-period",
    "timeout",
  ]);
  assert.ok(existsSync(join(REPO, "src/healthcheck.ts")), "the health script is part of the daemon");
  assert.equal(spec.stopSignal, "SIGTERM");
  assert.match(readFileSync(join(REPO, "src/signals.ts"), "utf8"), /process\.once\("SIGTERM"/);
});

test("ENTRYPOINT is tini then node with NODE_FLAGS; CMD runs the channel file ANTENNE_CHANNEL_FILE names", () => {
  assert.deepEqual(spec.entrypoint, ["/usr/bin/tini", "--", "node", ...NODE_FLAGS, "/app/dist/src/cli.js"]);
  assert.deepEqual(spec.cmd, ["run", "/etc/antenne/channel.yaml"]);
  assert.equal(spec.env.ANTENNE_CHANNEL_FILE, spec.cmd[1]);
  assert.ok(spec.system.dirs.some((d) => d.path === "/etc/antenne"));
  assert.deepEqual(spec.expose, ["8080"]);
});

test("the image installs what the daemon needs to run (the Makefile's RUN_PACKAGES) and tini", () => {
  const make =
    /^RUN_PACKAGES := (.*)$/m.exec(readFileSync(join(REPO, "Makefile"), "utf8"))?.[1]?.split(/\s+/) ?? [];
  assert.ok(make.length > 0);
  for (const p of [...make, "tini"]) assert.ok(spec.system.packages.includes(p), p);
});

test("the reader refuses what the assembler could not reproduce", () => {
  assert.throws(() => parseStages("FROM a\nADD x /x\n"), /Dockerfile:2: ADD is not supported/);
  assert.throws(() => parseStages("FROM a\nCOPY --chown=1:1 x /x\n"), /COPY --chown is not supported/);
  assert.throws(() => parseStages("COPY x /x\n"), /Dockerfile:1: COPY before FROM/);
  assert.throws(() => parseSystemSetup(["apt-get update && curl -o /x http://e"]), /cannot reproduce it/);
  assert.deepEqual(parseSystemSetup(["install -d -o u -g u -m 0700 /a /b"]).dirs, [
    { path: "/a", owner: "u", mode: "0700" },
    { path: "/b", owner: "u", mode: "0700" },
  ]);
  assert.throws(
    () => readImageSpec('FROM a\nHEALTHCHECK CMD node /h.js\nCMD ["x"]\n'),
    /HEALTHCHECK must be CMD \["exec", "form"\]/,
  );
});

test("a .dockerignore that is not an allow-list is refused", () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir, "ctx"));
    writeFileSync(join(dir, "ctx", ".dockerignore"), "node_modules\ntest\n");
    assert.throws(() => contextFilter(join(dir, "ctx")), /must be an allow-list/);
    writeFileSync(join(dir, "ctx", ".dockerignore"), "*\n!src\n");
    const allowed = contextFilter(join(dir, "ctx"));
    assert.equal(allowed("src/a.ts"), true);
    assert.equal(allowed("./src"), true);
    assert.equal(allowed("srcx/a.ts"), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
