/**
 * The API's HTTP layer on node:http: a route table (exact segments, `:param` segments, a trailing
 * `*`), JSON and text/plain bodies up to a limit, HEAD answered by the GET route, one error shape.
 * A framework brought ~10 MiB of resident memory per daemon for these dozen routes
 * (docs/benchmarks.md); this is what the API needs and no more.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";

export interface ApiRequest {
  method: string;
  /** The path without its query. */
  path: string;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, a string (text/plain), or undefined (no body). */
  body: unknown;
}

/** What a handler answers; `null`: it wrote the response itself (a stream of events). */
export interface Answer {
  status?: number;
  headers?: Record<string, string | number>;
  /** Serialized as JSON unless a Buffer, a string (with a content-type header) or a stream. */
  body?: unknown;
  stream?: Readable;
}

export type Handler = (req: ApiRequest, res: ServerResponse) => Answer | null | Promise<Answer | null>;
/** Runs before routing; an answer ends the request there. */
export type Guard = (req: { method: string; headers: IncomingHttpHeaders }) => Answer | null;

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** Every API error has the same shape: { statusCode, error, message }. */
export function error(status: number, message: string, headers?: Record<string, string>): Answer {
  return { status, headers, body: { statusCode: status, error: REASONS[status] ?? "Error", message } };
}

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

function match(route: Route, segs: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.parts.length; i++) {
    const part = route.parts[i]!;
    if (part === "*") {
      params["*"] = segs.slice(i).join("/");
      return params;
    }
    const seg = segs[i];
    if (seg === undefined) return null;
    if (part.startsWith(":")) {
      if (seg === "") return null;
      params[part.slice(1)] = seg;
    } else if (part !== seg) return null;
  }
  return segs.length === route.parts.length ? params : null;
}

export class Router {
  private readonly routes: Route[] = [];
  private guard: Guard = () => null;

  constructor(private readonly bodyLimit: number) {}

  on(method: string, pattern: string, handler: Handler): void {
    this.routes.push({ method, parts: pattern.split("/").slice(1), handler });
  }

  setGuard(guard: Guard): void {
    this.guard = guard;
  }

  async handle(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = raw.method ?? "GET";
    const url = raw.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    let answer: Answer | null;
    try {
      answer = this.guard({ method, headers: raw.headers }) ?? (await this.dispatch(raw, method, path, res));
    } catch (err) {
      answer = error(500, (err as Error).message);
    }
    if (!answer) return;
    try {
      send(res, answer, method === "HEAD");
    } catch (err) {
      // A header value or a body that cannot be sent (e.g. a character HTTP does not allow):
      // this request fails, never the daemon.
      if (!res.headersSent) send(res, error(500, (err as Error).message), false);
      else res.destroy();
    }
  }

  private async dispatch(
    raw: IncomingMessage,
    method: string,
    path: string,
    res: ServerResponse,
  ): Promise<Answer | null> {
    let segs: string[];
    try {
      segs = path.split("/").slice(1).map(decodeURIComponent);
    } catch {
      return error(400, `malformed path ${path}`);
    }
    const lookup = method === "HEAD" ? "GET" : method;
    for (const route of this.routes) {
      if (route.method !== lookup) continue;
      const params = match(route, segs);
      if (!params) continue;
      const body = await readBody(raw, this.bodyLimit);
      if ("answer" in body) return body.answer;
      return route.handler({ method, path, params, headers: raw.headers, body: body.value }, res);
    }
    return error(404, `no route ${method} ${raw.url ?? path}`);
  }

  /** A server for this router; `close()` also ends open connections (event streams). */
  server(): Server {
    return createServer((req, res) => void this.handle(req, res));
  }
}

async function readBody(
  req: IncomingMessage,
  limit: number,
): Promise<{ value: unknown } | { answer: Answer }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return { answer: error(413, `body larger than ${limit} bytes`) };
    chunks.push(chunk);
  }
  if (size === 0) return { value: undefined };
  const text = Buffer.concat(chunks).toString("utf8");
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") {
    try {
      return { value: JSON.parse(text) as unknown };
    } catch {
      return { answer: error(400, "body is not valid JSON") };
    }
  }
  if (type === "text/plain") return { value: text };
  return { answer: error(415, `unsupported content-type "${type}"`) };
}

function send(res: ServerResponse, a: Answer, head: boolean): void {
  const headers: Record<string, string | number> = { ...a.headers };
  let payload: Buffer | string | undefined;
  if (a.stream === undefined && a.body !== undefined) {
    if (Buffer.isBuffer(a.body) || typeof a.body === "string") payload = a.body;
    else {
      payload = JSON.stringify(a.body);
      headers["content-type"] ??= "application/json; charset=utf-8";
    }
    headers["content-length"] = Buffer.byteLength(payload);
  }
  res.writeHead(a.status ?? 200, headers);
  if (a.stream) {
    if (head) {
      a.stream.destroy();
      res.end();
      return;
    }
    a.stream.on("error", () => res.destroy());
    a.stream.pipe(res);
    return;
  }
  res.end(head ? undefined : payload);
}

/** Listens; resolves with the URL (IPv6 hosts in brackets). */
export function listen(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const addr = server.address() as AddressInfo;
      const h = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
      resolve(`http://${h}:${addr.port}`);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}
