import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../../src/config/load.js";
import { loadFleetFile, parseFleet } from "../../src/fleet/load.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const FLEET = `fleet: t
channels:
  - file: c.yaml
    instances:
      a: {}
      b: {}
    senders:
      - { path: main, input: main }
icecast:
  master: { host: ice, sourcePassword: "\${SRC}", adminPassword: "\${ADM}" }
  relays:
    - { name: edge, host: edge, adminPassword: "\${EDGE}", channels: [c] }
monitoring:
  grafana: { adminPassword: "\${GRAF}" }
`;

const CHANNEL = `channel: c
inputs:
  - id: main
    srt: { mode: listener, bind: "0.0.0.0:9000", passphrase: "\${PASS:-}" }
  - id: safety
    tone: {}
profiles:
  p: { codec: aac, bitrate: 96k }
outputs:
  hls: { dir: ./hls, profiles: [p] }
  icecast:
    - { url: "http://source:\${SRC}@ice:8000/c.aac", profile: p }
`;

function errors(fleet: string, files: Record<string, string> = {}): string[] {
  const all: Record<string, string> = { "c.yaml": CHANNEL, ...files };
  const read = (f: string) => {
    const text = all[f];
    if (text === undefined) throw new Error(`ENOENT: ${f}`);
    return text;
  };
  try {
    parseFleet(fleet, "f.yaml", read);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split("\n");
    throw err;
  }
  return [];
}

test("the example fleet in deploy/ loads: three channels, two instances each, senders, Icecast", () => {
  const f = loadFleetFile(join(ROOT, "deploy/fleet.yaml"));
  assert.deepEqual(
    f.channels.map((c) => [c.name, c.instances.map((i) => i.id)]),
    [
      ["fip", ["fip-a", "fip-b"]],
      ["jazz", ["jazz-a", "jazz-b"]],
      ["info", ["info-a", "info-b"]],
    ],
  );
  const fip = f.channels[0]!;
  assert.deepEqual(fip.mounts[0], {
    id: "fip-hifi.aac",
    mount: "/fip-hifi.aac",
    codec: "aac",
    bitrate: 192000,
    sampleRate: 48000,
    channels: 2,
    instanceMounts: ["/fip-hifi-a.aac", "/fip-hifi-b.aac"],
    safetyMount: "/fip-hifi-safety.aac",
    safetyFile: "fip-hifi.aac",
  });
  assert.equal(fip.senders[0]?.listener.passphrase, "${FIP_SRT_PASSPHRASE}");
  assert.equal(fip.senders[0]?.listener.port, 10000);
  assert.equal(f.icecast?.relays[0]?.name, "edge1");
});

test("a good fleet has no error; defaults fill in", () => {
  assert.deepEqual(errors(FLEET), []);
  const f = parseFleet(FLEET, "f.yaml", () => CHANNEL);
  const a = f.channels[0]!.instances[0]!;
  assert.deepEqual(a, {
    name: "a",
    id: "c-a",
    host: "c-a",
    srtHost: "c-a",
    srtBind: "0.0.0.0",
    apiPort: 8080,
    dataDir: "/var/lib/antenne",
    image: "antenne:0.1.0",
  });
  assert.equal(f.channels[0]!.senders[0]!.udpPort, 20000);
  assert.equal(f.cache.port, 8080);
  assert.equal(f.monitoring.alerts.blankForSec, 30);
});

const CASES: [string, (s: string) => string, Record<string, string>, string[]][] = [
  ["unknown key", (s) => s + "bogus: 1\n", {}, ['f.yaml:15:1: bogus: unknown key "bogus"']],
  [
    "unknown sender input",
    (s) => s.replace("input: main", "input: nope"),
    {},
    ['f.yaml:8:30: channels.0.senders.0.input: unknown input "nope" (SRT listeners of c: main)'],
  ],
  [
    "a sender on an input that is no SRT listener",
    (s) => s.replace("input: main", "input: safety"),
    {},
    [
      'f.yaml:8:30: channels.0.senders.0.input: input "safety" is not an SRT listener (SRT listeners of c: main)',
    ],
  ],
  [
    "unknown instance",
    (s) => s.replace("input: main }", "input: main, instances: [a, z] }"),
    {},
    ['f.yaml:8:51: channels.0.senders.0.instances.1: unknown instance "z" (c has a, b)'],
  ],
  [
    "unknown channel on a relay",
    (s) => s.replace("channels: [c]", "channels: [c, x]"),
    {},
    ['f.yaml:12:73: icecast.relays.0.channels.1: unknown channel "x" (fleet: c)'],
  ],
  [
    "missing secret",
    (s) => s.replace(', adminPassword: "${ADM}"', ""),
    {},
    [
      "f.yaml:10:11: icecast.master.adminPassword: missing secret: the master's admin password, as a ${VAR} reference",
    ],
  ],
  [
    "literal secret",
    (s) => s.replace('sourcePassword: "${SRC}"', "sourcePassword: hackme"),
    {},
    [
      "f.yaml:10:40: icecast.master.sourcePassword: a secret must be a ${VAR} reference, never a literal value",
    ],
  ],
  [
    "secret with a literal default",
    (s) => s.replace('"${GRAF}"', '"${GRAF:-admin}"'),
    {},
    [
      "f.yaml:14:29: monitoring.grafana.adminPassword: the default of ${GRAF} is a literal secret: use ${GRAF} or ${GRAF:-}",
    ],
  ],
  [
    "two instances on one host: API port, SRT port and data folder clash (in reading order)",
    (s) => s.replace("a: {}", "a: { host: h1 }").replace("b: {}", "b: { host: h1 }"),
    {},
    [
      "f.yaml:6:10: channels.0.instances.b: port clash: h1:8080/tcp of c-b API is already used by c-a API (channels.0.instances.a)",
      "f.yaml:6:10: channels.0.instances.b: port clash: h1:9000/udp of c-b input main is already used by c-a input main (channels.0.instances.a)",
      "f.yaml:6:10: channels.0.instances.b.dataDir: data folder clash: h1:/var/lib/antenne of c-b is already used by c-a (channels.0.instances.a.dataDir)",
    ],
  ],
  [
    "a service on an instance's port",
    (s) => s.replace("a: {}", "a: { host: hls-cache }"),
    {},
    [
      "f.yaml:5:10: channels.0.instances.a: port clash: hls-cache:8080/tcp of c-a API is already used by the HLS cache (cache.port)",
    ],
  ],
  [
    "bad instance name",
    (s) => s.replace("a: {}", "A: {}"),
    {},
    ['f.yaml:5:10: channels.0.instances.A: instance name "A" must match [a-z][a-z0-9]*'],
  ],
  [
    "one channel deployed twice",
    (s) => s.replace("channels:\n", "channels:\n  - { file: c.yaml, instances: { z: { host: other } } }\n"),
    {},
    ['f.yaml:4:11: channels.1.file: channel "c" is already deployed by channels.0'],
  ],
  [
    "channel file missing",
    (s) => s.replace("file: c.yaml", "file: nope.yaml"),
    {},
    ["f.yaml:3:11: channels.0.file: cannot read nope.yaml: ENOENT: nope.yaml"],
  ],
  [
    "channel file invalid: reported in the channel file",
    (s) => s,
    { "c.yaml": CHANNEL + "bogus: 1\n" },
    ['c.yaml:13:1: bogus: unknown key "bogus"'],
  ],
  [
    "literal passphrase in the channel file",
    (s) => s,
    { "c.yaml": CHANNEL.replace('"${PASS:-}"', "0123456789ab") },
    ["c.yaml:4:62: inputs.0.srt.passphrase: a secret must be a ${VAR} reference, never a literal value"],
  ],
  [
    "relative file input",
    (s) => s,
    { "c.yaml": CHANNEL.replace("tone: {}", "file: { path: safety.flac }") },
    [
      "c.yaml:6:19: inputs.1.file.path: an instance runs elsewhere: use an absolute path present on every instance",
    ],
  ],
  [
    "alert thresholds checked by the monitoring content's rules",
    (s) => s.replace("monitoring:\n", "monitoring:\n  alerts: { srtLossRatio: 2, blankForSec: 0 }\n"),
    {},
    [
      "f.yaml:14:27: monitoring.alerts.srtLossRatio: must be below 1 (got 2)",
      "f.yaml:14:43: monitoring.alerts.blankForSec: must be a positive number (got 0)",
    ],
  ],
  [
    "Icecast outputs without an icecast block",
    (s) => s.slice(0, s.indexOf("icecast:")) + 'monitoring:\n  grafana: { adminPassword: "${GRAF}" }\n',
    {},
    ["f.yaml:3:11: channels.0.file: c pushes to Icecast but the fleet has no icecast block"],
  ],
];

for (const [name, edit, files, expected] of CASES) {
  test(`fleet error: ${name}`, () => {
    assert.deepEqual(errors(edit(FLEET), files), expected);
  });
}
