import { createHash, timingSafeEqual } from "node:crypto";
import Fastify, { type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import { z } from "zod";
import type { ChannelView, SwitchResult } from "../channel/view.js";
import type { Clock } from "../clock/clock.js";
import { sendError } from "./errors.js";
import { registerEvents } from "./events.js";
import type { PlaylistGate } from "../output/hls/health-gate.js";
import { registerHlsStatic } from "./hls-static.js";
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

const switchBody = z.strictObject({ input: z.string().min(1) });
const metadataBody = z.strictObject({
  title: z.string().max(500).default(""),
  artist: z.string().max(500).default(""),
});

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

/** Builds the HTTP API without listening; tests use inject(). */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const { view } = deps;
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, forceCloseConnections: true });
  app.addContentTypeParser("text/plain", { parseAs: "string" }, (_req, body, done) => done(null, body));

  app.addHook("onRequest", async (req, reply) => {
    if (!deps.token || req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return;
    if (!bearerMatches(req.headers.authorization, deps.token)) {
      return sendError(reply, 401, "missing or invalid bearer token");
    }
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) =>
    sendError(reply, err.statusCode && err.statusCode < 500 ? err.statusCode : 500, err.message),
  );
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, `no route ${req.method} ${req.url}`));

  app.get("/healthz", async () => ({ ok: true }));
  app.get("/readyz", async (_req, reply) => {
    const r = view.ready();
    return r.ok ? { ready: true } : sendError(reply, 503, r.reason);
  });
  app.get("/api/v1/status", async () => view.status());
  app.get("/api/v1/inputs/:id", async (req, reply) => {
    const { id } = req.params as { id: string };
    const input = view.status().inputs.find((i) => i.id === id);
    return input ?? sendError(reply, 404, `unknown input "${id}"`);
  });
  app.post("/api/v1/switch", async (req, reply) => {
    const body = switchBody.safeParse(req.body);
    if (!body.success)
      return sendError(reply, 400, `body must be {"input": "<id>"}: ${body.error.issues[0]?.message ?? ""}`);
    const r = await view.requestSwitch(body.data.input);
    return r.ok ? r.status : sendError(reply, SWITCH_STATUS[r.code], r.message);
  });
  app.delete("/api/v1/switch", async () => view.clearPreference());
  app.post("/api/v1/metadata", async (req, reply) => {
    const body = metadataBody.safeParse(req.body);
    if (!body.success)
      return sendError(
        reply,
        400,
        `body must be {"title", "artist"}: ${body.error.issues[0]?.message ?? ""}`,
      );
    return view.setMetadata(body.data);
  });
  // The page asks us, not the listeners service: one origin, and the service may be internal.
  app.get("/api/v1/listeners", async (_req, reply) => {
    if (!deps.listenersUrl)
      return sendError(reply, 404, "no listeners service configured (api.listenersUrl)");
    const url = `${deps.listenersUrl.replace(/\/$/, "")}/api/v1/listeners/${encodeURIComponent(view.channel)}`;
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (!r.ok) return sendError(reply, 502, `listeners service answered ${r.status}`);
      return (await r.json()) as unknown;
    } catch (err) {
      return sendError(reply, 502, `listeners service unreachable: ${(err as Error).message}`);
    }
  });
  registerEvents(app, view, deps.clock, deps.statusEveryMs ?? 500);
  app.get("/metrics", async (_req, reply) => {
    const text = await deps.registry.metrics();
    return reply.header("content-type", deps.registry.contentType).send(text);
  });

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
  app.get("/livesource", async () => liveSource());
  app.get("/readiness", async (_req, reply) => {
    const r = view.ready();
    return reply
      .code(r.ok ? 200 : 503)
      .send({ ...liveSource(), ready: r.ok, ...(r.ok ? {} : { reason: r.reason }) });
  });
  app.post("/livesource", async (req, reply) => {
    const raw =
      typeof req.body === "string"
        ? req.body
        : req.body && typeof req.body === "object"
          ? (req.body as { input?: unknown }).input
          : undefined;
    const name = typeof raw === "string" ? raw.trim() : "";
    if (!view.status().inputs.some((i) => i.id === name))
      return sendError(reply, 400, `unknown input "${name}"`);
    const r = await view.requestSwitch(name);
    return r.ok ? liveSource() : sendError(reply, SWITCH_STATUS[r.code], r.message);
  });

  registerPage(app);
  if (deps.hlsDir) registerHlsStatic(app, deps.hlsDir, deps.hlsGate);
  return app;
}
