import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
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
