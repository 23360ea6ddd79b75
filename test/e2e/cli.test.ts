import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { NODE_FLAGS } from "../../src/node-flags.js";
import { tempDir } from "../helpers/channel.js";
import { run } from "../helpers/proc.js";

const CLI = fileURLToPath(new URL("../../src/cli.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

test("antenne check: 0 for the shipped channels, 1 with FILE:LINE:COL errors for a bad one", async () => {
  const ok = await run(
    "node",
    [CLI, "check", join(ROOT, "channels/demo.yaml"), join(ROOT, "channels/tone.yaml")],
    { timeoutMs: 20_000 },
  );
  assert.equal(ok.code, 0, ok.stderr);
  const dir = tempDir();
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, "channel: x\ninputs:\n  - id: a\n    tone: {}\nprofiles: {}\nbogus: 1\n");
  const r = await run("node", [CLI, "check", bad], { timeoutMs: 20_000 });
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim(), `${bad}:6:1: bogus: unknown key "bogus"`);
});

test("antenne run refuses a bad channel file with exit code 1", async () => {
  const dir = tempDir();
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, "channel: x\ninputs: []\nprofiles: {}\n");
  const r = await run("node", [CLI, "run", bad], { timeoutMs: 20_000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^${bad.replace(/[.]/g, "\\.")}:2:9: inputs: `));
});

test("antenne --version and --help", async () => {
  const v = await run("node", [CLI, "--version"], { timeoutMs: 10_000 });
  assert.match(v.stdout.toString().trim(), /^\d+\.\d+\.\d+$/);
  const h = await run("node", [CLI, "--help"], { timeoutMs: 10_000 });
  assert.equal(h.code, 0);
  assert.match(h.stdout.toString(), /antenne run <channel\.yaml>/);
});

test("the bin's shebang, the Dockerfile, the Makefile and the benchmarks run node with NODE_FLAGS", async () => {
  const flags = NODE_FLAGS.join(" ");
  const shebang = readFileSync(CLI, "utf8").split("\n")[0];
  assert.equal(shebang, `#!/usr/bin/env -S node ${flags}`);
  const docker = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  assert.match(
    docker,
    new RegExp(`"node", ${NODE_FLAGS.map((f) => `"${f}"`).join(", ")}, "/app/dist/src/cli.js"`),
  );
  const make = readFileSync(join(ROOT, "Makefile"), "utf8");
  assert.ok(make.includes(`node ${flags} dist/src/cli.js demo`), "make demo");
  for (const b of ["channel-cpu", "srt-cpu", "icecast-cost"]) {
    const src = readFileSync(join(ROOT, "bench", `${b}.ts`), "utf8");
    assert.ok(src.includes("[...NODE_FLAGS, CLI,"), `bench/${b}.ts`);
  }
  // The bin runs as a program: its flags reach node (not only set at run time).
  const r = await run(CLI, ["--version"], { timeoutMs: 10_000 });
  assert.equal(r.code, 0, r.stderr);
});
