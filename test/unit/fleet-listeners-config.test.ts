import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { MissingSecretsError } from "../../src/fleet/fill-secrets.js";
import { listenersConfig } from "../../src/fleet/listeners-config.js";
import { loadFleetFile } from "../../src/fleet/load.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const fleet = loadFleetFile(join(ROOT, "deploy/fleet.yaml"));
const ENV = { ICECAST_ADMIN_PASSWORD: "m-admin", ICECAST_RELAY_ADMIN_PASSWORD: "r-admin" };

test("listeners config from the example fleet: channels, master and relay with their mounts", () => {
  const cfg = listenersConfig(fleet, ENV);
  assert.deepEqual(cfg.syslog, { host: "0.0.0.0", port: 5514 });
  assert.deepEqual(cfg.http, { host: "0.0.0.0", port: 9110 });
  assert.deepEqual(cfg.channels, [
    { channel: "fip", segmentSec: 4 },
    { channel: "jazz", segmentSec: 4 },
    { channel: "info", segmentSec: 4 },
  ]);
  const [master, relay] = cfg.icecast;
  assert.equal(master?.url, "http://icecast-master:8000");
  assert.equal(master?.adminPassword, "m-admin");
  // The master counts listeners on the listener-facing mounts and on each instance's mount they
  // were attached to (Icecast attaches a listener of a source-less mount to its fallback's source).
  assert.deepEqual(
    master?.mounts.filter((m) => m.channel === "fip").map((m) => m.mount),
    [
      "/fip-hifi.aac",
      "/fip-hifi-a.aac",
      "/fip-hifi-b.aac",
      "/fip-midfi.mp3",
      "/fip-midfi-a.mp3",
      "/fip-midfi-b.mp3",
    ],
  );
  assert.equal(relay?.name, "edge1");
  assert.equal(relay?.url, "http://icecast-edge1:8001");
  assert.equal(relay?.adminPassword, "r-admin");
  assert.equal(relay?.mounts.length, 6);
  assert.equal(cfg.icecastPollMs, 10000);
});

test("listeners config: --syslog-port / --http-port override the fleet file; unset secrets are named", () => {
  const cfg = listenersConfig(fleet, ENV, { syslogPort: 6514, httpPort: 0 });
  assert.equal(cfg.syslog?.port, 6514);
  assert.equal(cfg.http.port, 0);
  assert.throws(
    () => listenersConfig(fleet, {}),
    (e: unknown) =>
      e instanceof MissingSecretsError &&
      e.names.join() === "ICECAST_ADMIN_PASSWORD,ICECAST_RELAY_ADMIN_PASSWORD",
  );
});
