/**
 * `antenne render` of the example fleet: byte-identical to the committed tree
 * (test/golden/fleet; `UPDATE_GOLDEN=1` rewrites it), deterministic, secrets kept as
 * references, and every per-instance channel file valid for the real channel loader.
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { parseChannel } from "../../src/config/load.js";
import { envRefs } from "../../src/fleet/env-refs.js";
import { fillSecrets } from "../../src/fleet/fill-secrets.js";
import { instanceMount, loadFleetFile } from "../../src/fleet/load.js";
import { renderFleet } from "../../src/fleet/render/index.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const GOLDEN = join(ROOT, "test/golden/fleet");
const FLEET = join(ROOT, "deploy/fleet.yaml");

const render = () => renderFleet(loadFleetFile(FLEET), FLEET);

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return out;
}

test("golden: the example fleet renders byte-identical to test/golden/fleet", () => {
  const files = render();
  if (process.env.UPDATE_GOLDEN === "1") {
    rmSync(GOLDEN, { recursive: true, force: true });
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(GOLDEN, path)), { recursive: true });
      writeFileSync(join(GOLDEN, path), text);
    }
  }
  const golden = readTree(GOLDEN);
  assert.deepEqual(Object.keys(files).sort(), Object.keys(golden).sort(), "the same files");
  for (const [path, text] of Object.entries(files)) assert.equal(text, golden[path], `${path} differs`);
});

test("deterministic: two renders are identical, in the same order, with no path of this machine", () => {
  const a = render();
  const b = render();
  assert.deepEqual(Object.entries(a), Object.entries(b));
  for (const [path, text] of Object.entries(a)) {
    assert.ok(!text.includes(ROOT.replace(/\/$/, "")), `${path} holds a path of this machine`);
    assert.ok(!/\d{4}-\d\d-\d\dT\d\d:\d\d/.test(text), `${path} holds a timestamp`);
  }
});

test("secrets stay references: no value from the environment, secretKeyRefs in Kubernetes", () => {
  const before = { ...process.env };
  process.env.ICECAST_SOURCE_PASSWORD = "value-that-must-not-leak";
  process.env.FIP_SRT_PASSPHRASE = "another-value-not-to-leak";
  try {
    const files = render();
    for (const [path, text] of Object.entries(files)) {
      assert.ok(!text.includes("value-that-must-not-leak") && !text.includes("another-value"), path);
    }
    assert.match(
      files["icecast/master.xml"]!,
      /<source-password>\$\{ICECAST_SOURCE_PASSWORD\}<\/source-password>/,
    );
    const deploy = parse(files["k8s/fip/a/deployment.yaml"]!) as {
      spec: { template: { spec: { containers: { env: unknown[] }[] } } };
    };
    assert.deepEqual(deploy.spec.template.spec.containers[0]!.env, [
      {
        name: "ANTENNE_API_TOKEN",
        valueFrom: { secretKeyRef: { name: "antenne", key: "ANTENNE_API_TOKEN", optional: true } },
      },
      {
        name: "FIP_SRT_PASSPHRASE",
        valueFrom: { secretKeyRef: { name: "antenne", key: "FIP_SRT_PASSPHRASE", optional: false } },
      },
      {
        name: "ICECAST_SOURCE_PASSWORD",
        valueFrom: { secretKeyRef: { name: "antenne", key: "ICECAST_SOURCE_PASSWORD", optional: false } },
      },
    ]);
    assert.match(files["compose.yaml"]!, /ICECAST_SOURCE_PASSWORD: \$\{ICECAST_SOURCE_PASSWORD:\?/);
    assert.match(files["senders/fip-main.sh"]!, /^PASSPHRASE="\$\{FIP_SRT_PASSPHRASE\}"$/m);
  } finally {
    process.env = before;
  }
});

test("every per-instance channel file loads with the channel loader and differs only where instances differ", () => {
  const fleet = loadFleetFile(FLEET);
  const files = render();
  const env = {
    FIP_SRT_PASSPHRASE: "p".repeat(12),
    JAZZ_SRT_PASSPHRASE: "q".repeat(12),
    INFO_SRT_PASSPHRASE: "r".repeat(12),
    ICECAST_SOURCE_PASSWORD: "s3cret",
  };
  for (const ch of fleet.channels) {
    for (const inst of ch.instances) {
      const text = files[`k8s/${ch.name}/${inst.name}/channel.yaml`]!;
      assert.equal(
        files[`instances/${inst.id}.yaml`],
        text,
        "compose, bare hosts and Kubernetes run the same file",
      );
      const cfg = parseChannel(text, `/etc/antenne/channel.yaml`, env);
      const orig = parseChannel(ch.text, "/x/channel.yaml", env);
      assert.equal(cfg.api.listen, "0.0.0.0:8080");
      assert.equal(cfg.switcher.statePath, "/var/lib/antenne/state.json");
      assert.equal(cfg.outputs.hls?.dir, "/var/lib/antenne/hls");
      assert.deepEqual(
        cfg.outputs.icecast.map((o) => [o.id, o.url, o.profile]),
        orig.outputs.icecast.map((o) => [
          o.id,
          `http://source:s3cret@icecast-master:8000${instanceMount(o.mount, inst.name)}`,
          o.profile,
        ]),
      );
      assert.deepEqual(cfg.inputs, orig.inputs, "inputs as in the channel file (binds already on 0.0.0.0)");
      assert.deepEqual(cfg.profiles, orig.profiles);
      assert.deepEqual(cfg.switcher.silence, orig.switcher.silence);
      // The references of the channel file are still references.
      const names = (t: string) => [...new Set(envRefs(t).map((r) => r.name))].sort();
      assert.deepEqual(names(text), names(ch.text));
    }
  }
});

test("fill-secrets: values from the environment, XML-escaped; unset variables are named, no partial output", () => {
  const xml = "<a>${A}</a><b>${B:-dflt}</b>";
  assert.equal(fillSecrets(xml, { A: "x<&>y" }, { xml: true }), "<a>x&lt;&amp;&gt;y</a><b>dflt</b>");
  assert.throws(
    () => fillSecrets("${A}${C}${C}", {}, { xml: false }),
    /environment variables not set: A, C$/,
  );
});
