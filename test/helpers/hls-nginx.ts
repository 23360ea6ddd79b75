/**
 * Debian's nginx for the HLS redundancy tests: a caching reverse proxy failing over between two
 * instances, and a WebDAV origin two instances push to. The configurations are the ones
 * docs/redundancy.md gives ops (only ports and paths differ). Each nginx runs in the foreground
 * (`daemon off`) with its own prefix, is bounded in time and stopped by its PID.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { Background, until } from "./proc.js";

export interface Nginx {
  url: string;
  port: number;
  /** The prefix directory (logs, cache, DAV root). */
  prefix: string;
  proc: Background;
  stop(): Promise<void>;
  errorLog(): string;
}

/**
 * When the tests run as root, nginx's workers drop to `nobody`: the directories they write to
 * (cache, DAV root, temp files) must be theirs to write, as on a real host.
 */
function writableDir(path: string): string {
  mkdirSync(path, { recursive: true });
  if (process.getuid?.() === 0) chmodSync(path, 0o777);
  return path;
}

function common(prefix: string): string {
  const tmp = writableDir(join(prefix, "tmp"));
  return `
daemon off;
pid ${join(prefix, "nginx.pid")};
error_log ${join(prefix, "error.log")} info;
events { worker_connections 256; }
http {
  access_log ${join(prefix, "access.log")};
  client_body_temp_path ${join(tmp, "body")};
  proxy_temp_path ${join(tmp, "proxy")};
  fastcgi_temp_path ${join(tmp, "fastcgi")};
  uwsgi_temp_path ${join(tmp, "uwsgi")};
  scgi_temp_path ${join(tmp, "scgi")};
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
`;
}

/**
 * The HLS cache in front of a channel's two instances: A primary, B backup. A refused
 * connection, a timeout or a 503 (an instance that lost its studio, or whose playlist is
 * stale) moves the request to the other instance. When both answer 503, the request is asked
 * again with `X-Antenne-Accept-Degraded: 1`, which both serve: listeners are never sent away.
 * Segments are cached as the instances say (long); playlists for at most 1 s.
 */
export function failoverConf(prefix: string, port: number, a: string, b: string): string {
  const cache = writableDir(join(prefix, "cache"));
  return `${common(prefix)}
  proxy_cache_path ${cache} levels=1:2 keys_zone=hls:10m max_size=256m inactive=10m use_temp_path=off;
  upstream antenne_hls {
    server ${a};
    server ${b} backup;
  }
  # The last resort has its own upstream: the 503s above marked both servers failed in the first.
  upstream antenne_hls_any {
    server ${a};
    server ${b} backup;
  }
  server {
    listen 127.0.0.1:${port};
    location /hls/ {
      proxy_pass http://antenne_hls;
      proxy_next_upstream error timeout http_503;
      proxy_cache hls;
      proxy_intercept_errors on;
      # 502: both servers are marked failed by earlier 503s ("no live upstreams").
      error_page 502 503 = @degraded;
    }
    location @degraded {
      proxy_pass http://antenne_hls_any;
      proxy_set_header X-Antenne-Accept-Degraded 1;
      proxy_next_upstream error timeout;
    }
  }
}
`;
}

/** A WebDAV origin: PUT and DELETE into `<prefix>/origin`, GET for listeners. */
export function originConf(prefix: string, port: number): string {
  const root = writableDir(join(prefix, "origin"));
  return `${common(prefix)}
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / {
      dav_methods PUT DELETE;
      create_full_put_path on;
      add_header Access-Control-Allow-Origin *;
    }
  }
}
`;
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** Starts nginx on `conf` (written under `prefix`), waits until it accepts connections. */
export async function startNginx(
  prefix: string,
  port: number,
  conf: string,
  maxLifetimeMs: number,
): Promise<Nginx> {
  // Workers (nobody, under root) must reach the prefix: open our temp directories on the way.
  if (process.getuid?.() === 0) {
    for (let d = prefix; d.startsWith(tmpdir() + sep); d = dirname(d)) chmodSync(d, 0o755);
  }
  const file = join(prefix, "nginx.conf");
  writeFileSync(file, conf);
  const proc = new Background("nginx", ["-p", prefix, "-c", file], maxLifetimeMs);
  await until(
    async () =>
      proc.child.exitCode !== null
        ? Promise.reject(new Error(`nginx exited: ${proc.stderr}`))
        : accepting(port),
    10_000,
    "nginx to listen",
    50,
  );
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    prefix,
    proc,
    stop: () => proc.stop("SIGQUIT"),
    errorLog: () => {
      try {
        return readFileSync(join(prefix, "error.log"), "utf8");
      } catch {
        return "";
      }
    },
  };
}
