/**
 * `antenne check` and `antenne run` load a channel file the same way: a file `check` refuses,
 * `run` refuses with the same lines before starting anything; what `check` accepts, `run` starts.
 */
import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "../helpers/channel.js";
import { run } from "../helpers/proc.js";

const CLI = fileURLToPath(new URL("../../src/cli.js", import.meta.url));
const dir = tempDir("antenne-check-");
after(() => rmSync(dir, { recursive: true, force: true }));

const BAD = `channel: t
inputs:
  - id: safety
    file: { path: ./emergency.flac }
  - id: safety
    tone: {}
profiles:
  p: { codec: aac, bitrate: 96k }
outputs:
  hls: { dir: ./hls, profiles: [p, hifi] }
  icecast:
    - { url: "https://source:pw@127.0.0.1:8443/t.aac", profile: p, public: maybe }
api: { listen: "127.0.0.1:0" }
`;

test("check prints every error of a file, sorted; run refuses the file with the same lines", async () => {
  const file = join(dir, "bad.yaml");
  writeFileSync(file, BAD);
  const c = await run("node", [CLI, "check", file], { timeoutMs: 20_000 });
  assert.equal(c.code, 1);
  const lines = [
    `${file}:4:19: inputs.0.file.path: file "${join(dir, "emergency.flac")}" does not exist`,
    `${file}:5:9: inputs.1.id: duplicate input id "safety" (also inputs.0)`,
    `${file}:10:36: outputs.hls.profiles.1: unknown profile "hifi" (defined: p)`,
    `${file}:12:76: outputs.icecast.0.public: Invalid input: expected boolean, received string`,
  ];
  assert.deepEqual(c.stderr.trim().split("\n"), lines);
  const r = await run("node", [CLI, "run", file], { timeoutMs: 20_000 });
  assert.equal(r.code, 1);
  assert.deepEqual(r.stderr.trim().split("\n"), lines);
  assert.equal(r.stdout.length, 0, "nothing started, nothing logged");
});

test("an https Icecast URL and a present input file pass check (run supports both)", async () => {
  writeFileSync(join(dir, "emergency.flac"), "");
  const file = join(dir, "good.yaml");
  writeFileSync(
    file,
    BAD.replace("  - id: safety\n    tone: {}\n", "")
      .replace("[p, hifi]", "[p]")
      .replace(", public: maybe", ""),
  );
  const c = await run("node", [CLI, "check", file], { timeoutMs: 20_000 });
  assert.equal(c.stderr, "");
  assert.equal(c.code, 0);
  assert.equal(c.stdout.toString(), `${file}: ok\n`);
});
