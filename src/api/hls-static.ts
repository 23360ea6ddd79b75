import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, join, normalize, sep } from "node:path";
import { ACCEPT_DEGRADED_HEADER, HEALTH_HEADER, type PlaylistGate } from "../output/hls/health-gate.js";
import { error, type Router } from "./http.js";

const TYPES: Record<string, string> = { ".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t" };

/**
 * Serves the HLS directory under /hls/ (the embedded default; nginx or a CDN in
 * production). Playlists may be cached 1 s at most; segments never change, so for long.
 * With a gate (healthAware), playlists answer 503 while the instance steps aside, and so do the
 * segments it made while degraded, unless the request carries `X-Antenne-Accept-Degraded: 1`
 * (a cache's last resort). Every playlist response carries `X-Antenne-Health`.
 */
export function registerHlsStatic(app: Router, dir: string, gate?: PlaylistGate): void {
  app.on("GET", "/hls/*", async (req) => {
    const rel = req.params["*"]!;
    const ext = rel.slice(rel.lastIndexOf("."));
    const type = TYPES[ext];
    const path = normalize(join(dir, rel));
    const cors: Record<string, string> = { "access-control-allow-origin": "*" };
    if (!type || rel.includes("\0") || !path.startsWith(normalize(dir) + sep))
      return error(404, `no such file: ${rel}`, cors);
    if (gate) {
      const accept = req.headers[ACCEPT_DEGRADED_HEADER] === "1";
      if (ext === ".m3u8") cors[HEALTH_HEADER] = gate.state();
      const refusal = ext === ".m3u8" ? gate.playlist(accept) : gate.segment(basename(path), accept);
      if (refusal !== null) return error(503, refusal, { ...cors, "cache-control": "no-store" });
    }
    try {
      const st = await stat(path);
      if (!st.isFile()) return error(404, `no such file: ${rel}`, cors);
      return {
        headers: {
          ...cors,
          "content-type": type,
          "content-length": st.size,
          "cache-control": ext === ".m3u8" ? "max-age=1" : "max-age=86400, immutable",
        },
        stream: createReadStream(path),
      };
    } catch {
      return error(404, `no such file: ${rel}`, cors);
    }
  });
  app.on("OPTIONS", "/hls/*", () => ({
    status: 204,
    headers: {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET, HEAD, OPTIONS",
      "access-control-allow-headers": ACCEPT_DEGRADED_HEADER,
    },
  }));
}
