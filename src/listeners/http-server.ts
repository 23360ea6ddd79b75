/**
 * The listeners service's HTTP side:
 *   POST /ingest                 JSON lines (nginx log format, or shipper events whose `message`
 *                                holds one), streamed: any body size in constant memory
 *   GET  /metrics                Prometheus
 *   GET  /api/v1/listeners       every channel's {channel, hls, icecast, total}
 *   GET  /api/v1/listeners/:ch   one channel (404 unknown)
 *   GET  /healthz
 * Reads are CORS-open (a status page may ask directly); errors are
 * `{statusCode, error, message}` like the daemon's API.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { Ingest } from "./ingest.js";
import { LineSplitter } from "./line-splitter.js";
import type { ListenerCounts } from "./listeners-metrics.js";

/** Longest accepted log line, bytes (nginx's own syslog limit is 2 KiB). */
export const MAX_LINE = 16 * 1024;

export interface HttpDeps {
  ingest: Ingest;
  registry: Registry;
  counts: () => ListenerCounts[];
}

const REASONS: Record<number, string> = { 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed" };

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "access-control-allow-origin": "*",
    "cache-control": "no-cache",
  });
  res.end(JSON.stringify(body));
}

function fail(res: ServerResponse, status: number, message: string): void {
  json(res, status, { statusCode: status, error: REASONS[status] ?? "Error", message });
}

function ingestBody(req: IncomingMessage, res: ServerResponse, ingest: Ingest): void {
  const seen = { lines: 0, counted: 0, invalid: 0 };
  const split = new LineSplitter(
    MAX_LINE,
    (line) => {
      seen.lines++;
      const r = ingest.line(line, "http");
      if (r === "counted") seen.counted++;
      if (r === "invalid") seen.invalid++;
    },
    () => {
      seen.lines++;
      seen.invalid++;
      ingest.bad("http", `line longer than ${MAX_LINE} bytes`);
    },
  );
  req.on("data", (c: Buffer) => split.push(c));
  req.on("end", () => {
    split.end();
    json(res, 200, seen);
  });
  req.on("error", () => res.destroy());
}

export function createHttpServer(deps: HttpDeps): Server {
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (req.method === "POST" && path === "/ingest") return ingestBody(req, res, deps.ingest);
    if (req.method !== "GET" && req.method !== "HEAD")
      return fail(res, 405, `${req.method} not allowed on ${path}`);
    if (path === "/healthz") return json(res, 200, { ok: true });
    if (path === "/metrics") {
      void deps.registry.metrics().then((text) => {
        res.writeHead(200, { "content-type": deps.registry.contentType });
        res.end(text);
      });
      return;
    }
    if (path === "/api/v1/listeners") return json(res, 200, { channels: deps.counts() });
    const m = /^\/api\/v1\/listeners\/([^/]+)$/.exec(path);
    if (m) {
      const ch = decodeURIComponent(m[1]!);
      const c = deps.counts().find((x) => x.channel === ch);
      return c ? json(res, 200, c) : fail(res, 404, `unknown channel "${ch}"`);
    }
    fail(res, 404, `no route ${req.method} ${path}`);
  });
}
