/** Helpers for the listeners service tests: a config, HTTP calls, log lines, exposition samples. */
import { request } from "node:http";
import type { ListenersConfig } from "../../src/listeners/index.js";

export function config(over: Partial<ListenersConfig> = {}): ListenersConfig {
  return {
    syslog: { host: "127.0.0.1", port: 0 },
    http: { host: "127.0.0.1", port: 0 },
    channels: [
      { channel: "fip", segmentSec: 4 },
      { channel: "jazz", segmentSec: 2 },
    ],
    icecast: [],
    icecastPollMs: 1000,
    ...over,
  };
}

export function post(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", headers: { "content-type": "application/x-ndjson" } },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export async function get(url: string): Promise<{ status: number; body: string }> {
  const r = await fetch(url);
  return { status: r.status, body: await r.text() };
}

/** The value of one series in a Prometheus text exposition, or null. */
export function sample(text: string, series: string): number | null {
  for (const l of text.split("\n")) {
    if (l.startsWith(`${series} `)) return Number(l.slice(series.length + 1));
  }
  return null;
}

export const logLine = (tsMs: number, addr: string, ua: string, uri: string, status = 200) =>
  JSON.stringify({ ts: (tsMs / 1000).toFixed(3), addr, ua, uri, status: String(status), bytes: "100" });
