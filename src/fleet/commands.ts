/**
 * `antenne render` and `antenne listeners`: argument handling and exit codes, kept out of
 * src/cli.ts. Exit 0 on success, 1 on an invalid fleet (every issue on stderr, one per line
 * `FILE:LINE:COL: key.path: message`), 2 on a usage error.
 */
import { parseArgs } from "node:util";
import { systemClock } from "../clock/clock.js";
import { ConfigError } from "../config/load.js";
import { startListeners } from "../listeners/index.js";
import { createLogger } from "../log.js";
import { waitForSignal } from "../signals.js";
import { MissingSecretsError } from "./fill-secrets.js";
import { listenersConfig } from "./listeners-config.js";
import { loadFleetFile } from "./load.js";
import type { FleetModel } from "./model.js";
import { renderFleet } from "./render/index.js";
import { writeTree } from "./write-tree.js";

function load(file: string): FleetModel | null {
  try {
    return loadFleetFile(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return null;
  }
}

export function renderCommand(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: "string", short: "o" }, check: { type: "boolean" } },
  });
  const [file, ...rest] = positionals;
  if (!file || rest.length > 0 || (values.check ? values.out !== undefined : values.out === undefined)) {
    console.error("usage: antenne render --out DIR FLEET.yaml | antenne render --check FLEET.yaml");
    return 2;
  }
  const fleet = load(file);
  if (!fleet) return 1;
  const files = renderFleet(fleet, file);
  if (values.check) {
    const instances = fleet.channels.reduce((n, c) => n + c.instances.length, 0);
    console.log(
      `${file}: ok (${fleet.channels.length} channels, ${instances} instances, ${Object.keys(files).length} files)`,
    );
    return 0;
  }
  writeTree(values.out!, files);
  console.log(`${file}: ${Object.keys(files).length} files written under ${values.out}`);
  return 0;
}

const port = (s: string | undefined, flag: string): number | undefined => {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new RangeError(`${flag}: not a port: ${s}`);
  return n;
};

export async function listenersCommand(args: string[], pretty: boolean | undefined): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { "syslog-port": { type: "string" }, "http-port": { type: "string" } },
  });
  if (positionals.length !== 1) {
    console.error("usage: antenne listeners FLEET.yaml [--syslog-port N] [--http-port N]");
    return 2;
  }
  const fleet = load(positionals[0]!);
  if (!fleet) return 1;
  let cfg;
  try {
    cfg = listenersConfig(fleet, process.env, {
      syslogPort: port(values["syslog-port"], "--syslog-port"),
      httpPort: port(values["http-port"], "--http-port"),
    });
  } catch (err) {
    if (!(err instanceof MissingSecretsError) && !(err instanceof RangeError)) throw err;
    console.error(err.message);
    return err instanceof RangeError ? 2 : 1;
  }
  const log = createLogger({ pretty }).child({ component: "listeners" });
  const service = await startListeners(cfg, log);
  log.info({ http: service.httpUrl, syslogPort: service.syslogPort }, "listeners service started");
  return waitForSignal(log, systemClock, () => service.close());
}
