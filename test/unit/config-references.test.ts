/**
 * Every problem of a file in one run: schema errors, unresolved variables and cross-references
 * (ids, profiles, ports, mounts, input files) together, in reading order, each at its line.
 */
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError, parseChannel, type FileProbe } from "../../src/config/load.js";
import { readableFile } from "../../src/config/file-check.js";
import { tempDir } from "../helpers/channel.js";

/** A file system in which only `present` exists, recording what was asked. */
function fakeFiles(present: string[] = []): FileProbe & { asked: string[] } {
  const asked: string[] = [];
  const probe = (p: string) => {
    asked.push(p);
    return present.includes(p) ? null : "does not exist";
  };
  return Object.assign(probe, { asked });
}

function errors(text: string, probe: FileProbe = fakeFiles(), env: Record<string, string> = {}): string[] {
  try {
    parseChannel(text, "/ch/c.yaml", env, probe);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split("\n");
    throw err;
  }
  return [];
}

const MANY = `channel: Multi
inputs:
  - id: a
    srt: { mode: listener, bind: "0.0.0.0:9000" }
  - id: a
    srt: { mode: listener, bind: "127.0.0.1:9000", latencyMs: 5 }
  - id: loop
    file: { path: ./missing.flac }
profiles:
  p: { codec: aac, bitrate: 96k }
  m: { codec: mp3, bitrate: 400k }
outputs:
  hls: { dir: ./hls, profiles: [p, hifi, p] }
  icecast:
    - { url: "https://source:\${ICE_PW}@ice:8443/x.aac", profile: p }
    - { url: "http://source:pw@ice:8443/x.aac", profile: nope, colour: red }
api: { listen: "127.0.0.1:99999" }
`;

test("a file with fourteen problems of every kind gets all of them, in reading order", () => {
  assert.deepEqual(errors(MANY), [
    "/ch/c.yaml:1:10: channel: must match [a-z0-9][a-z0-9-]*",
    '/ch/c.yaml:5:9: inputs.1.id: duplicate input id "a" (also inputs.0)',
    "/ch/c.yaml:6:34: inputs.1.srt.bind: port 9000 is already bound by inputs.0",
    "/ch/c.yaml:6:63: inputs.1.srt.latencyMs: Too small: expected number to be >=20",
    '/ch/c.yaml:8:19: inputs.2.file.path: file "/ch/missing.flac" does not exist',
    "/ch/c.yaml:11:29: profiles.m.bitrate: mp3 bitrates go up to 320k",
    '/ch/c.yaml:13:36: outputs.hls.profiles.1: unknown profile "hifi" (defined: p, m)',
    '/ch/c.yaml:13:42: outputs.hls.profiles.2: profile "p" is listed twice',
    "/ch/c.yaml:15:14: outputs.icecast.0.url: environment variable ICE_PW is not set (use ${ICE_PW:-default} for a default)",
    '/ch/c.yaml:16:7: outputs.icecast.1: duplicate output id "x.aac" (also outputs.icecast.0)',
    "/ch/c.yaml:16:14: outputs.icecast.1.url: same server and mount as outputs.icecast.0",
    '/ch/c.yaml:16:58: outputs.icecast.1.profile: unknown profile "nope" (defined: p, m)',
    '/ch/c.yaml:16:64: outputs.icecast.1.colour: unknown key "colour"',
    "/ch/c.yaml:17:16: api.listen: port 99999 is out of range (0-65535)",
  ]);
});

test("the issues are also given as data, sorted", () => {
  try {
    parseChannel(MANY, "/ch/c.yaml", {}, fakeFiles());
    assert.fail("MANY must not load");
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.issues.length, 14);
    const order = err.issues.map((i) => i.line * 1000 + i.col);
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
    );
  }
});

const BASE = `channel: t
inputs:
  - id: a
    tone: {}
profiles:
  p: { codec: aac, bitrate: 96k }
`;

test("SRT listeners: a wildcard clashes with any address on its port; port 0 and distinct addresses do not", () => {
  const srt = (binds: string[]) =>
    BASE.replace(
      "profiles:",
      binds.map((b, i) => `  - id: s${i}\n    srt: { mode: listener, bind: "${b}" }\n`).join("") +
        "profiles:",
    );
  assert.deepEqual(errors(srt(["127.0.0.1:0", "127.0.0.1:0"])), []);
  assert.deepEqual(errors(srt(["127.0.0.1:9000", "127.0.0.2:9000"])), []);
  assert.deepEqual(errors(srt(["[::]:9000", "[::1]:9000"])), [
    "/ch/c.yaml:8:34: inputs.2.srt.bind: port 9000 is already bound by inputs.1",
  ]);
  assert.deepEqual(errors(srt(["127.0.0.1:9000", "127.0.0.1:9001", "localhost:9001"])), []);
});

test("Icecast: the same mount on another server is fine; the id hls is the HLS output's", () => {
  const ice = (entries: string[]) =>
    BASE + `outputs:\n  icecast:\n${entries.map((e) => `    - ${e}\n`).join("")}`;
  assert.deepEqual(
    errors(
      ice([
        '{ url: "http://source:pw@a:8000/m", profile: p }',
        '{ id: m2, url: "http://source:pw@b:8000/m", profile: p }',
        '{ id: m3, url: "https://source:pw@a:8443/m", profile: p }',
      ]),
    ),
    [],
  );
  assert.deepEqual(errors(ice(['{ id: hls, url: "http://source:pw@a:8000/m", profile: p }'])), [
    '/ch/c.yaml:9:7: outputs.icecast.0: output id "hls" is the HLS output\'s',
  ]);
  // ":80" is what was written, not 8000: two different servers.
  assert.deepEqual(
    errors(
      ice([
        '{ url: "http://source:pw@a:80/m", profile: p }',
        '{ id: m2, url: "http://source:pw@a/m", profile: p }',
      ]),
    ),
    [],
  );
});

test("file inputs: checked at their resolved path, named in the error; present files pass", () => {
  const text = BASE.replace("profiles:", "  - id: loop\n    file: { path: ../audio/loop.flac }\nprofiles:");
  const absent = fakeFiles();
  assert.deepEqual(errors(text, absent), [
    '/ch/c.yaml:6:19: inputs.1.file.path: file "/audio/loop.flac" does not exist',
  ]);
  assert.deepEqual(absent.asked, ["/audio/loop.flac"]);
  const cfg = parseChannel(text, "/ch/c.yaml", {}, fakeFiles(["/audio/loop.flac"]));
  assert.deepEqual(cfg.inputs[1], { id: "loop", autofallback: true, file: { path: "/audio/loop.flac" } });
});

test("the real file probe: a readable file passes; a missing file and a directory say why", () => {
  const dir = tempDir();
  try {
    const file = join(dir, "loop.flac");
    writeFileSync(file, "x");
    mkdirSync(join(dir, "folder"));
    assert.equal(readableFile(file), null);
    assert.equal(readableFile(join(dir, "nope.flac")), "does not exist");
    assert.equal(readableFile(join(dir, "loop.flac", "below")), "does not exist");
    assert.equal(readableFile(join(dir, "folder")), "is not a regular file");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a missing variable is reported once, not again as the schema error of the value it emptied", () => {
  const text = BASE + 'api: { listen: "127.0.0.1:${PORT}" }\n';
  assert.deepEqual(errors(text), [
    "/ch/c.yaml:7:16: api.listen: environment variable PORT is not set (use ${PORT:-default} for a default)",
  ]);
  assert.deepEqual(errors(text, fakeFiles(), { PORT: "8081" }), []);
});

test("yaml syntax errors stop there: structure past them is a guess", () => {
  assert.deepEqual(errors("channel: t\ninputs: [\nbogus: 1\n"), [
    "/ch/c.yaml:3:1: (root): Flow sequence in block collection must be sufficiently indented and end with a ]",
  ]);
});
