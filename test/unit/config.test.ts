import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, parseChannel } from "../../src/config/load.js";

const GOOD = `channel: t
inputs:
  - id: a
    tone: { frequencyHz: 440 }
profiles:
  p: { codec: aac, bitrate: 96k }
outputs:
  hls: { dir: ./hls, profiles: [p] }
`;

function errors(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseChannel(text, "c.yaml", env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split("\n");
    throw err;
  }
  return [];
}

test("defaults fill in, paths resolve against the file, bitrates parse", () => {
  const cfg = parseChannel(GOOD, "/srv/ch/c.yaml", {});
  assert.deepEqual(cfg.audio, { sampleRate: 48000, channels: 2 });
  assert.equal(cfg.outputs.hls?.dir, "/srv/ch/hls");
  assert.equal(cfg.outputs.hls?.segmentSec, 4);
  assert.equal(cfg.profiles.p?.bitrate, 96000);
  assert.equal(cfg.switcher.bufferMs, 300);
  assert.equal(cfg.api.listen, "127.0.0.1:8080");
});

test("${VAR} and ${VAR:-default} come from the environment", () => {
  const text = GOOD + `api: { listen: "127.0.0.1:\${PORT:-9000}", token: "\${TOKEN}" }\n`;
  const cfg = parseChannel(text, "c.yaml", { TOKEN: "s3cret" });
  assert.equal(cfg.api.listen, "127.0.0.1:9000");
  assert.equal(cfg.api.token, "s3cret");
  const cfg2 = parseChannel(text, "c.yaml", { TOKEN: "x", PORT: "9100" });
  assert.equal(cfg2.api.listen, "127.0.0.1:9100");
});

test("icecast ids default to the mount name", () => {
  const text = GOOD.replace(
    "outputs:\n",
    `outputs:\n  icecast:\n    - { url: "http://source:pw@localhost:8000/t-hifi.aac", profile: p }\n`,
  );
  const cfg = parseChannel(text, "c.yaml", {});
  assert.equal(cfg.outputs.icecast[0]?.id, "t-hifi.aac");
  assert.equal(cfg.outputs.icecast[0]?.mount, "/t-hifi.aac");
});

// Bad files pinned to their exact messages: FILE:LINE:COL: key.path: message.
const BAD: [string, string, string[]][] = [
  ["unknown top-level key", GOOD + "outptus: {}\n", ['c.yaml:9:1: outptus: unknown key "outptus"']],
  [
    "unknown nested key",
    GOOD.replace("tone: { frequencyHz: 440 }", "tone: { frequencyHz: 440, freq: 1 }"),
    ['c.yaml:4:31: inputs.0.tone.freq: unknown key "freq"'],
  ],
  [
    "bad channel name",
    GOOD.replace("channel: t", "channel: Bad_Name"),
    ["c.yaml:1:10: channel: must match [a-z0-9][a-z0-9-]*"],
  ],
  [
    "bad bitrate",
    GOOD.replace("bitrate: 96k", "bitrate: 96"),
    ["c.yaml:6:29: profiles.p.bitrate: Invalid input: expected string, received number"],
  ],
  [
    "bad codec",
    GOOD.replace("codec: aac", "codec: opus"),
    ['c.yaml:6:15: profiles.p.codec: Invalid option: expected one of "aac"|"mp3"'],
  ],
  [
    "unknown profile in hls",
    GOOD.replace("profiles: [p]", "profiles: [p, hifi]"),
    ['c.yaml:8:36: outputs.hls.profiles.1: unknown profile "hifi" (defined: p)'],
  ],
  [
    "unset variable",
    GOOD + 'api: { token: "${NOPE}" }\n',
    ["c.yaml:9:15: api.token: environment variable NOPE is not set (use ${NOPE:-default} for a default)"],
  ],
  [
    "yaml syntax",
    "channel: [\n",
    ["c.yaml:2:1: (root): Flow sequence in block collection must be sufficiently indented and end with a ]"],
  ],
  ["sample rate", GOOD + "audio: { sampleRate: 32000 }\n", ["c.yaml:9:22: audio.sampleRate: Invalid input"]],
  [
    "bad listen address",
    GOOD + 'api: { listen: "8080" }\n',
    ['c.yaml:9:16: api.listen: must be "host:port" (IPv6 as "[::1]:port")'],
  ],
  // What `run` would refuse at start, refused by `check` too (the same parsers decide).
  [
    "listen port out of range",
    GOOD + 'api: { listen: "127.0.0.1:99999" }\n',
    ["c.yaml:9:16: api.listen: port 99999 is out of range (0-65535)"],
  ],
  [
    "IPv4 in brackets",
    GOOD.replace("tone: { frequencyHz: 440 }", 'srt: { mode: listener, bind: "[1.2.3.4]:9000" }'),
    ['c.yaml:4:34: inputs.0.srt.bind: "1.2.3.4" in brackets is not an IPv6 address'],
  ],
  [
    "caller to port 0",
    GOOD.replace("tone: { frequencyHz: 440 }", 'srt: { mode: caller, connect: "studio:0" }'),
    ["c.yaml:4:35: inputs.0.srt.connect: port 0 is out of range (1-65535)"],
  ],
  [
    "mp3 above 320k",
    GOOD.replace("codec: aac, bitrate: 96k", "codec: mp3, bitrate: 384k"),
    ["c.yaml:6:29: profiles.p.bitrate: mp3 bitrates go up to 320k"],
  ],
  ["bitrate below 8k", GOOD.replace("96k", "0k"), ["c.yaml:6:29: profiles.p.bitrate: must be at least 8k"]],
  [
    "Icecast URL scheme",
    GOOD + '  icecast: [{ url: "ftp://source:pw@h/m", profile: p }]\n',
    [
      'c.yaml:9:20: outputs.icecast.0.url: unsupported scheme "ftp:" (http: or https:) in ftp://source:***@h/m',
    ],
  ],
  [
    "Icecast URL port",
    GOOD + '  icecast: [{ url: "http://source:pw@h:80000/m", profile: p }]\n',
    [
      'c.yaml:9:20: outputs.icecast.0.url: not a valid URL (expected "http(s)://user:password@host:port/mount")',
    ],
  ],
  [
    "Icecast URL without a mount",
    GOOD + '  icecast: [{ url: "http://source:pw@h:8000/", profile: p }]\n',
    ['c.yaml:9:20: outputs.icecast.0.url: no mount in http://source:***@h:8000/ (expected ".../mount")'],
  ],
  [
    "Icecast admin URL",
    GOOD + '  icecast: [{ url: "http://source:pw@h/m", profile: p, admin: "h:8000" }]\n',
    ['c.yaml:9:63: outputs.icecast.0.admin: unsupported scheme "h:" (http: or https:) in h:8000'],
  ],
  [
    "HLS push URL",
    GOOD.replace("profiles: [p] }", 'profiles: [p], push: { url: "https://[origin/" } }'),
    ["c.yaml:8:50: outputs.hls.push.url: must be an http(s) URL"],
  ],
  [
    "listeners service URL",
    GOOD + 'api: { listenersUrl: "listeners:9100" }\n',
    ["c.yaml:9:22: api.listenersUrl: must be an http(s) URL"],
  ],
];

for (const [name, text, expected] of BAD) {
  test(`bad file: ${name}`, () => {
    assert.deepEqual(errors(text), expected);
  });
}

test("duplicate input ids are named with both places", () => {
  const text = GOOD.replace("profiles:", "  - id: a\n    tone: { frequencyHz: 1 }\nprofiles:");
  assert.deepEqual(errors(text), ['c.yaml:5:9: inputs.1.id: duplicate input id "a" (also inputs.0)']);
});
