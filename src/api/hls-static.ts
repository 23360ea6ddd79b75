import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, join, normalize, sep } from "node:path";
import type { FastifyInstance } from "fastify";
import { ACCEPT_DEGRADED_HEADER, HEALTH_HEADER, type PlaylistGate } from "../output/hls/health-gate.js";
import { sendError } from "./errors.js";

const TYPES: Record<string, string> = { ".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t" };

/**
 * Serves the HLS directory under /hls/ (the embedded default; nginx or a CDN in
 * production). Playlists may be cached 1 s at most; segments never change, so for long.
 * With a gate (healthAware), playlists answer 503 while the instance steps aside, and so do the
 * segments it made while degraded, unless the request carries `X-Antenne-Accept-Degraded: 1`
 * (a cache's last resort). Every playlist response carries `X-Antenne-Health`.
 */
export function registerHlsStatic(app: FastifyInstance, dir: string, gate?: PlaylistGate): void {
  app.get("/hls/*", async (req, reply) => {
    const rel = (req.params as { "*": string })["*"];
    const ext = rel.slice(rel.lastIndexOf("."));
    const type = TYPES[ext];
    const path = normalize(join(dir, rel));
    if (!type || rel.includes("\0") || !path.startsWith(normalize(dir) + sep))
      return sendError(reply, 404, `no such file: ${rel}`);
    reply.header("access-control-allow-origin", "*");
    if (gate) {
      const accept = req.headers[ACCEPT_DEGRADED_HEADER] === "1";
      if (ext === ".m3u8") reply.header(HEALTH_HEADER, gate.state());
      const refusal = ext === ".m3u8" ? gate.playlist(accept) : gate.segment(basename(path), accept);
      if (refusal !== null) {
        reply.header("cache-control", "no-store");
        return sendError(reply, 503, refusal);
      }
    }
    try {
      const st = await stat(path);
      if (!st.isFile()) return sendError(reply, 404, `no such file: ${rel}`);
      reply
        .header("content-type", type)
        .header("content-length", st.size)
        .header("cache-control", ext === ".m3u8" ? "max-age=1" : "max-age=86400, immutable");
      return reply.send(createReadStream(path));
    } catch {
      return sendError(reply, 404, `no such file: ${rel}`);
    }
  });
  app.options("/hls/*", async (_req, reply) =>
    reply
      .header("access-control-allow-origin", "*")
      .header("access-control-allow-methods", "GET, HEAD, OPTIONS")
      .header("access-control-allow-headers", ACCEPT_DEGRADED_HEADER)
      .code(204)
      .send(),
  );
}
