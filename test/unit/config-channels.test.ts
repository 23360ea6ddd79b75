/**
 * The channel files shipped in channels/ load, given the environment they document, and carry
 * no secret: a password, passphrase or token comes from the environment without a default.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError, loadChannelFile } from "../../src/config/load.js";

const DIR = fileURLToPath(new URL("../../../channels/", import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith(".yaml"));

/** What each file needs from the environment (docs/configuration.md lists the same). */
const REQUIRED_ENV: Record<string, Record<string, string>> = {
  "fip.yaml": {
    SRT_PASSPHRASE: "test-passphrase-0123",
    ICECAST_PASSWORD: "test%40source",
    ICECAST_ADMIN_PASSWORD: "test-admin",
    ANTENNE_API_TOKEN: "test-token",
  },
};
/** Files on the production host that the channel names (the safety loop). */
const HOST_FILES: Record<string, string[]> = { "fip.yaml": ["/srv/audio/emergency.flac"] };

test("every file in channels/ is a valid channel, given its environment and host files", () => {
  assert.ok(FILES.length >= 3);
  for (const f of FILES) {
    const asked: string[] = [];
    const hostFiles = HOST_FILES[f] ?? [];
    const probe = (p: string) => (asked.push(p), hostFiles.includes(p) ? null : "does not exist");
    const cfg = loadChannelFile(join(DIR, f), REQUIRED_ENV[f] ?? {}, probe);
    assert.match(cfg.channel, /^[a-z0-9][a-z0-9-]*$/, f);
    assert.deepEqual(asked, hostFiles, `${f}: its file inputs were checked`);
  }
});

test("fip.yaml takes its secrets from the environment: the passwords reach the URLs, percent-decoded later", () => {
  const cfg = loadChannelFile(join(DIR, "fip.yaml"), REQUIRED_ENV["fip.yaml"], () => null);
  assert.equal(cfg.outputs.icecast[0]?.url, "http://source:test%40source@icecast:8000/fip-hifi.aac");
  assert.equal(cfg.outputs.icecast[1]?.admin, "http://admin:test-admin@icecast:8000");
  assert.equal(cfg.api.token, "test-token");
  const srt = cfg.inputs[0];
  assert.ok(srt && "srt" in srt);
  assert.equal(srt.srt.passphrase, "test-passphrase-0123");
});

test("fip.yaml without its environment is refused, naming each missing secret where it is used", () => {
  let err: unknown;
  try {
    loadChannelFile(join(DIR, "fip.yaml"), {}, () => null);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigError);
  const missing = err.issues.map((i) => `${i.line} ${/variable (\w+)/.exec(i.message)?.[1]}`);
  assert.deepEqual(missing, [
    "15 SRT_PASSPHRASE",
    "47 ICECAST_PASSWORD",
    "48 ICECAST_PASSWORD",
    "54 ICECAST_ADMIN_PASSWORD",
    "57 ANTENNE_API_TOKEN",
  ]);
});

test("no channel file gives a secret a default value", () => {
  const SECRET = /PASSWORD|PASSPHRASE|TOKEN|SECRET|KEY/;
  for (const f of FILES) {
    const text = readFileSync(join(DIR, f), "utf8");
    for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*):-([^}]*)\}/g)) {
      const [, name, def] = m;
      if (SECRET.test(name!)) assert.equal(def, "", `${f}: \${${name}:-${def}} gives a secret a default`);
    }
    // Nor a literal one: credentials in a URL are variables.
    for (const m of text.matchAll(/\/\/[^/:@\s"]*:([^@\s"]*)@/g))
      assert.match(m[1]!, /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/, `${f}: literal credentials in a URL`);
  }
});
