/**
 * The container's HEALTHCHECK (a slim image has no curl): GET /healthz on the API address of
 * the channel file the daemon runs, ANTENNE_CHANNEL_FILE (or the first argument). Exit 0 when it
 * answers 200 within the timeout, 1 otherwise. A wildcard listen address is asked on loopback.
 */
import { request } from "node:http";
import { ConfigError, loadChannelFile } from "./config/load.js";
import { splitHostPort } from "./config/host-port.js";

const TIMEOUT_MS = 3000;

/** The URL of /healthz for an `api.listen` address. */
export function healthUrl(listen: string): string {
  const addr = splitHostPort(listen);
  if (!addr) throw new Error(`api.listen "${listen}" is not host:port`);
  const host = addr.host === "0.0.0.0" ? "127.0.0.1" : addr.host === "::" ? "::1" : addr.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${addr.port}/healthz`;
}

function probe(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { method: "GET", timeout: TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(false));
    req.end();
  });
}

async function main(): Promise<number> {
  const file = process.argv[2] ?? process.env.ANTENNE_CHANNEL_FILE ?? "/etc/antenne/channel.yaml";
  let url: string;
  try {
    url = healthUrl(loadChannelFile(file).api.listen);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : String(err));
    return 1;
  }
  const ok = await probe(url);
  if (!ok) console.error(`unhealthy: ${url} did not answer 200`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(String(err));
    process.exit(1);
  },
);
