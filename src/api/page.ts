/**
 * The status page: index.html at `/`, its ES modules and stylesheet under `/static/`, hls.js from
 * node_modules. The folder is listed once at start: only the page's own files are served, by
 * exact name, so no part of a request path ever reaches the file system.
 */
import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { error, type Router } from "./http.js";

const STATIC_DIR = fileURLToPath(new URL("../../../src/api/static/", import.meta.url));
const HLSJS = fileURLToPath(new URL("../../../node_modules/hls.js/dist/hls.min.js", import.meta.url));

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};
/** Page files are flat, lower-case names: anything else in the folder is not served. */
const SERVED = /^[a-z0-9][a-z0-9-]*\.(js|css)$/;

interface Asset {
  type: string;
  body: Buffer;
}

/** The servable files of `dir` by name, read now. */
export function pageAssets(dir: string = STATIC_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir).sort()) {
    const type = TYPES[extname(name)];
    if (SERVED.test(name) && type) assets.set(name, { type, body: readFileSync(join(dir, name)) });
  }
  return assets;
}

export function registerPage(app: Router, dir: string = STATIC_DIR): void {
  const assets = pageAssets(dir);
  const index = readFileSync(join(dir, "index.html"));
  // The page changes with the daemon's version: revalidate rather than cache.
  app.on("GET", "/", () => ({
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" },
    body: index,
  }));
  app.on("GET", "/static/hls.min.js", () => ({
    headers: { "content-type": "text/javascript; charset=utf-8", "cache-control": "max-age=86400" },
    body: readFileSync(HLSJS),
  }));
  app.on("GET", "/static/:file", (req) => {
    const asset = assets.get(req.params.file!);
    if (!asset) return error(404, `no route GET ${req.path}`);
    return { headers: { "content-type": asset.type, "cache-control": "no-cache" }, body: asset.body };
  });
}
