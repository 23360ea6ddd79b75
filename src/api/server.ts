import { createHash, timingSafeEqual } from "node:crypto";
import type { Server } from "node:http";
import type { Registry } from "prom-client";
import type { ChannelView, SwitchResult } from "../channel/view.js";
import type { Clock } from "../clock/clock.js";
import { registerEvents } from "./events.js";
import type { PlaylistGate } from "../output/hls/health-gate.js";
import { registerHlsStatic } from "./hls-static.js";
import { closeServer, error, listen, Router, type Answer } from "./http.js";
import { registerPage } from "./page.js";

export interface ApiDeps {
  view: ChannelView;
  registry: Registry;
  token: string;
  hlsDir: string | null;
  /** The HLS output's playlist gate (healthAware 503s); none: playlists are always served. */
  hlsGate?: PlaylistGate;
  clock: Clock;
  /** Status events on the SSE stream for the level meters. */
  statusEveryMs?: number;
  /** The listeners service (`api.listenersUrl`), or null: GET /api/v1/listeners relays its count. */
  listenersUrl?: string | null;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const unknownKey = (o: Record<string, unknown>, keys: string[]) =>
  Object.keys(o).find((k) => !keys.includes(k));

/** {"input": "<id>"}: the id, or what is wrong with the body. */
export function parseSwitchBody(b: unknown): { input: string } | string {
  if (!isObject(b)) return "expected an object";
  const extra = unknownKey(b, ["input"]);
  if (extra !== undefined) return `unknown key "${extra}"`;
  if (typeof b.input !== "string" || b.input === "") return '"input" must be a non-empty string';
  return { input: b.input };
}

/** {"title", "artist"}: strings up to 500 characters, each "" when absent. */
export function parseMetadataBody(b: unknown): { title: string; artist: string } | string {
  if (!isObject(b)) return "expected an object";
  const extra = unknownKey(b, ["title", "artist"]);
  if (extra !== undefined) return `unknown key "${extra}"`;
  for (const k of ["title", "artist"]) {
    const v = b[k];
    if (v !== undefined && (typeof v !== "string" || v.length > 500))
      return `"${k}" must be a string of at most 500 characters`;
  }
  return { title: (b.title as string | undefined) ?? "", artist: (b.artist as string | undefined) ?? "" };
}

/** The channel's refusal codes, as HTTP statuses (only the API knows about HTTP). */
const SWITCH_STATUS: Record<Exclude<SwitchResult, { ok: true }>["code"], number> = {
  "unknown-input": 404,
  unavailable: 409,
  refused: 409,
};

/**
 * Compares a bearer header with the token in constant time (hashing first makes the lengths
 * equal, so neither the content nor the length of the token leaks through timing).
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(header ?? ""), digest(`Bearer ${token}`));
}

export interface Api {
  readonly server: Server;
  /** Resolves with the URL it listens on. */
  listen(opts: { host: string; port: number }): Promise<string>;
  /** Stops listening and ends open connections (event streams). */
  close(): Promise<void>;
}

const ok = (body: unknown): Answer => ({ body });

/** Builds the HTTP API without listening. */
export function buildApi(deps: ApiDeps): Api {
  const { view } = deps;
  const app = new Router(64 * 1024);
  app.setGuard((req) => {
    if (!deps.token || req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return null;
    return bearerMatches(req.headers.authorization, deps.token)
      ? null
      : error(401, "missing or invalid bearer token");
  });

  app.on("GET", "/healthz", () => ok({ ok: true }));
  app.on("GET", "/readyz", () => {
    const r = view.ready();
    return r.ok ? ok({ ready: true }) : error(503, r.reason);
  });
  app.on("GET", "/api/v1/status", () => ok(view.status()));
  app.on("GET", "/api/v1/inputs/:id", (req) => {
    const id = req.params.id!;
    const input = view.status().inputs.find((i) => i.id === id);
    return input ? ok(input) : error(404, `unknown input "${id}"`);
  });
  app.on("POST", "/api/v1/switch", async (req) => {
    const body = parseSwitchBody(req.body);
    if (typeof body === "string") return error(400, `body must be {"input": "<id>"}: ${body}`);
    const r = await view.requestSwitch(body.input);
    return r.ok ? ok(r.status) : error(SWITCH_STATUS[r.code], r.message);
  });
  app.on("DELETE", "/api/v1/switch", async () => ok(await view.clearPreference()));
  app.on("POST", "/api/v1/metadata", (req) => {
    const body = parseMetadataBody(req.body);
    if (typeof body === "string") return error(400, `body must be {"title", "artist"}: ${body}`);
    return ok(view.setMetadata(body));
  });
  // The page asks us, not the listeners service: one origin, and the service may be internal.
  app.on("GET", "/api/v1/listeners", async () => {
    if (!deps.listenersUrl) return error(404, "no listeners service configured (api.listenersUrl)");
    const url = `${deps.listenersUrl.replace(/\/$/, "")}/api/v1/listeners/${encodeURIComponent(view.channel)}`;
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (!r.ok) return error(502, `listeners service answered ${r.status}`);
      return ok(await r.json());
    } catch (err) {
      return error(502, `listeners service unreachable: ${(err as Error).message}`);
    }
  });
  registerEvents(app, view, deps.clock, deps.statusEveryMs ?? 500);
  app.on("GET", "/metrics", async () => ({
    headers: { "content-type": deps.registry.contentType },
    body: await deps.registry.metrics(),
  }));

  // Compatibility with the Liquidsoap-based setup this replaces.
  const liveSource = () => {
    const s = view.status();
    return {
      preferred_output: s.preferred ?? "",
      inputs: s.inputs.map((i) => i.id),
      real_output: s.active ?? "",
      is_output_blank: s.program.blank,
    };
  };
  app.on("GET", "/livesource", () => ok(liveSource()));
  app.on("GET", "/readiness", () => {
    const r = view.ready();
    return {
      status: r.ok ? 200 : 503,
      body: { ...liveSource(), ready: r.ok, ...(r.ok ? {} : { reason: r.reason }) },
    };
  });
  app.on("POST", "/livesource", async (req) => {
    const raw = typeof req.body === "string" ? req.body : isObject(req.body) ? req.body.input : undefined;
    const name = typeof raw === "string" ? raw.trim() : "";
    if (!view.status().inputs.some((i) => i.id === name)) return error(400, `unknown input "${name}"`);
    const r = await view.requestSwitch(name);
    return r.ok ? ok(liveSource()) : error(SWITCH_STATUS[r.code], r.message);
  });

  registerPage(app);
  if (deps.hlsDir) registerHlsStatic(app, deps.hlsDir, deps.hlsGate);
  const server = app.server();
  return {
    server,
    listen: ({ host, port }) => listen(server, host, port),
    close: () => closeServer(server),
  };
}
