/**
 * A real, private nginx (Debian's) for e2e tests: `nginx -c <temp conf> -p <temp prefix>` in the
 * foreground (`daemon off;`, one master with one worker), pid and logs in the temp prefix, on a
 * free loopback port; stopped by its PID, never by name. As root (CI) the worker runs as nobody,
 * so the prefix and what it serves must be readable (and writable for WebDAV) by it.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./channel.js";
import { freeTcpPort } from "./ports.js";
import { Background, until } from "./proc.js";

export class Nginx {
  private constructor(
    readonly port: number,
    readonly prefix: string,
    private readonly bg: Background,
  ) {}

  /**
   * Starts nginx with `server` (the body of one `server {}` block; `listen` is added) and
   * `http` (extra http-level directives, e.g. a log_format). Resolves once it answers.
   */
  static async start(opts: { server: string; http?: string; maxLifetimeMs?: number }): Promise<Nginx> {
    const prefix = tempDir("antenne-nginx-");
    chmodSync(prefix, 0o777);
    for (const d of ["logs", "tmp", "dav"]) {
      mkdirSync(join(prefix, d));
      chmodSync(join(prefix, d), 0o777);
    }
    const port = await freeTcpPort();
    const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
    const conf = `${asRoot ? "user nobody nogroup;\n" : ""}daemon off;
master_process on;
worker_processes 1;
pid ${join(prefix, "nginx.pid")};
error_log ${join(prefix, "logs", "error.log")} warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path ${join(prefix, "tmp")};
  proxy_temp_path ${join(prefix, "tmp", "proxy")};
  fastcgi_temp_path ${join(prefix, "tmp", "fastcgi")};
  uwsgi_temp_path ${join(prefix, "tmp", "uwsgi")};
  scgi_temp_path ${join(prefix, "tmp", "scgi")};
  ${opts.http ?? ""}
  server {
    listen 127.0.0.1:${port};
    ${opts.server}
  }
}
`;
    const file = join(prefix, "nginx.conf");
    writeFileSync(file, conf);
    const bg = new Background("nginx", ["-c", file, "-p", prefix], opts.maxLifetimeMs ?? 300_000);
    const n = new Nginx(port, prefix, bg);
    try {
      await until(
        async () => {
          if (bg.child.exitCode !== null) throw new Error(`nginx exited: ${bg.stderr}`);
          return fetch(`${n.url}/`).then(
            () => true,
            () => false,
          );
        },
        10_000,
        "nginx to answer",
      );
    } catch (err) {
      await n.dispose();
      throw err;
    }
    return n;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get stderr(): string {
    return this.bg.stderr;
  }

  /** Graceful stop (SIGQUIT lets the worker flush), SIGKILL after 3 s; removes the prefix. */
  async dispose(): Promise<void> {
    await this.bg.stop("SIGQUIT");
    rmSync(this.prefix, { recursive: true, force: true });
  }
}
