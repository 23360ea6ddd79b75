/**
 * A real, private icecast2 on a loopback port for e2e tests: generated config in a temp
 * dir (from ../shared/reference/icecast.xml.in when present, else the same template
 * inlined), started as a child process and stopped by its PID, never by name.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeTcpPort } from "./ports.js";
import { sleep } from "./proc.js";
import { fileURLToPath } from "node:url";

/** ../shared beside the repository (compiled to dist/test/helpers/: four levels up is its parent). */
const TEMPLATE_PATH = fileURLToPath(new URL("../../../../shared/reference/icecast.xml.in", import.meta.url));
const ICECAST_BIN = "/usr/bin/icecast2";

const FALLBACK_TEMPLATE = `<icecast>
    <location>antenne-test</location>
    <admin>test@localhost</admin>
    <limits>
        <clients>20</clients>
        <sources>8</sources>
        <queue-size>524288</queue-size>
        <client-timeout>30</client-timeout>
        <header-timeout>15</header-timeout>
        <source-timeout>10</source-timeout>
        <burst-on-connect>1</burst-on-connect>
        <burst-size>65535</burst-size>
    </limits>
    <authentication>
        <source-password>@PASS@</source-password>
        <relay-password>@PASS@</relay-password>
        <admin-user>admin</admin-user>
        <admin-password>@PASS@</admin-password>
    </authentication>
    <hostname>127.0.0.1</hostname>
    <listen-socket>
        <port>@PORT@</port>
        <bind-address>127.0.0.1</bind-address>
    </listen-socket>
    <fileserve>1</fileserve>
    <paths>
        <basedir>/usr/share/icecast2</basedir>
        <logdir>@WORKDIR@/icecast-log</logdir>
        <webroot>/usr/share/icecast2/web</webroot>
        <adminroot>/usr/share/icecast2/admin</adminroot>
    </paths>
    <logging>
        <accesslog>access.log</accesslog>
        <errorlog>error.log</errorlog>
        <loglevel>3</loglevel>
        <logsize>10000</logsize>
    </logging>
    <security>
        <chroot>0</chroot>
        @CHANGEOWNER@
    </security>
</icecast>
`;

/** Every icecast2 this process started, so an aborted test run still stops them (by PID). */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) if (c.pid !== undefined && c.exitCode === null) c.kill("SIGKILL");
});

export function renderIcecastConfig(
  template: string,
  v: { port: number; pass: string; workdir: string },
): string {
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const changeowner = asRoot ? "<changeowner><user>nobody</user><group>nogroup</group></changeowner>" : "";
  return template
    .replace(/<!--[\s\S]*?-->\s*/, "")
    .replaceAll("@PORT@", String(v.port))
    .replaceAll("@PASS@", v.pass)
    .replaceAll("@WORKDIR@", v.workdir)
    .replaceAll("@CHANGEOWNER@", changeowner);
}

export interface HttpResult {
  status: number;
  body: string;
}

/** A plain GET with optional basic auth and a hard timeout. */
export function httpGet(url: string, opts: { auth?: string; timeoutMs?: number } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = get(url, { auth: opts.auth, timeout: opts.timeoutMs ?? 3000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout GET ${url}`)));
    req.on("error", reject);
  });
}

/**
 * A self-signed certificate for 127.0.0.1 (openssl, 1 day): `pem` holds certificate and key as
 * icecast2's <ssl-certificate> wants them, `cert` the certificate alone for clients to trust.
 */
function selfSignedCert(dir: string): { pem: string; cert: string } {
  const key = join(dir, "tls-key.pem");
  const cert = join(dir, "tls-cert.pem");
  const r = spawnSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"].concat([
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ]),
    { timeout: 30_000, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`openssl could not make a test certificate: ${r.stderr || r.error}`);
  const pem = join(dir, "tls-icecast.pem");
  writeFileSync(pem, readFileSync(cert, "utf8") + readFileSync(key, "utf8"));
  // As root, icecast2 reads it after dropping to nobody.
  chmodSync(pem, 0o644);
  return { pem, cert };
}

/** A second listen socket with TLS on `port`, using the certificate at `pem`. */
function withTls(config: string, port: number, pem: string): string {
  const socket = `<listen-socket><port>${port}</port><bind-address>127.0.0.1</bind-address><ssl>1</ssl></listen-socket>`;
  return config
    .replace("</listen-socket>", `</listen-socket>\n    ${socket}`)
    .replace("</paths>", `    <ssl-certificate>${pem}</ssl-certificate>\n    </paths>`);
}

export class IcecastServer {
  readonly password: string;
  readonly dir: string;
  private child: ChildProcess | null = null;
  private stderr = "";
  private tls: { port: number; pem: string; cert: string } | null = null;

  /** Extra configuration inserted before `</icecast>` (e.g. a `<relay>` block). */
  private readonly extraXml: string;

  private constructor(
    readonly port: number,
    opts: { password?: string; extraXml?: string },
  ) {
    this.password = opts.password ?? "hackme-test";
    this.extraXml = opts.extraXml ?? "";
    this.dir = mkdtempSync(join(tmpdir(), "antenne-icecast-"));
  }

  /**
   * Starts a server on a free loopback port and waits until it answers. With `tls`, a second
   * port speaks TLS with a self-signed certificate (`caFile` is that certificate).
   */
  static async start(
    opts: { password?: string; extraXml?: string; tls?: boolean } = {},
  ): Promise<IcecastServer> {
    const srv = new IcecastServer(await freeTcpPort(), opts);
    if (opts.tls) srv.tls = { port: await freeTcpPort(), ...selfSignedCert(srv.dir) };
    await srv.launch();
    return srv;
  }

  private get tlsOn(): { port: number; pem: string; cert: string } {
    if (!this.tls) throw new Error("this icecast2 was started without tls");
    return this.tls;
  }

  /** The certificate a client must trust for the TLS port. */
  get caFile(): string {
    return this.tlsOn.cert;
  }

  get tlsPort(): number {
    return this.tlsOn.port;
  }

  tlsSourceUrl(mount: string, password = this.password): string {
    return `https://source:${password}@127.0.0.1:${this.tlsPort}/${mount.replace(/^\//, "")}`;
  }

  get tlsAdminUrl(): string {
    return `https://admin:${this.password}@127.0.0.1:${this.tlsPort}`;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get adminUrl(): string {
    return `http://admin:${this.password}@127.0.0.1:${this.port}`;
  }

  sourceUrl(mount: string, password = this.password): string {
    return `http://source:${password}@127.0.0.1:${this.port}/${mount.replace(/^\//, "")}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private async launch(): Promise<void> {
    const template = existsSync(TEMPLATE_PATH) ? readFileSync(TEMPLATE_PATH, "utf8") : FALLBACK_TEMPLATE;
    const logdir = join(this.dir, "icecast-log");
    mkdirSync(logdir, { recursive: true });
    // As root, icecast2 drops to nobody: it must still reach and write its log dir.
    chmodSync(this.dir, 0o755);
    chmodSync(logdir, 0o777);
    const cfg = join(this.dir, "icecast.xml");
    const rendered = renderIcecastConfig(template, {
      port: this.port,
      pass: this.password,
      workdir: this.dir,
    }).replace("</icecast>", `${this.extraXml}</icecast>`);
    writeFileSync(cfg, this.tls ? withTls(rendered, this.tls.port, this.tls.pem) : rendered);
    const child = spawn(ICECAST_BIN, ["-c", cfg], { stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    this.stderr = "";
    live.add(child);
    child.stderr?.on("data", (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-4000);
    });
    child.once("exit", () => live.delete(child));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`icecast2 exited at start: ${this.stderr || this.errorLog()}`);
      try {
        const r = await httpGet(`${this.baseUrl}/status-json.xsl`, { timeoutMs: 1000 });
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    await this.stop();
    throw new Error(`icecast2 did not answer on port ${this.port} within 10 s`);
  }

  /** SIGTERM, then SIGKILL after 3 s; resolves once the process is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 3000);
    await gone;
    clearTimeout(t);
  }

  /** Stops and starts again on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async stats(): Promise<string> {
    const r = await httpGet(`${this.baseUrl}/admin/stats`, { auth: `admin:${this.password}` });
    if (r.status !== 200) throw new Error(`admin/stats: HTTP ${r.status}`);
    return r.body;
  }

  /** The parsed `icestats.source` entries of status-json.xsl, keyed by mount ("/x"). */
  async statusJson(): Promise<Map<string, Record<string, unknown>>> {
    const r = await httpGet(`${this.baseUrl}/status-json.xsl`);
    const parsed = JSON.parse(r.body) as { icestats?: { source?: unknown } };
    const src = parsed.icestats?.source;
    const list = (Array.isArray(src) ? src : src ? [src] : []) as Record<string, unknown>[];
    const out = new Map<string, Record<string, unknown>>();
    for (const s of list) {
      const url = typeof s.listenurl === "string" ? s.listenurl : "";
      out.set(new URL(url).pathname, s);
    }
    return out;
  }

  errorLog(): string {
    try {
      return readFileSync(join(this.dir, "icecast-log", "error.log"), "utf8");
    } catch {
      return "";
    }
  }

  /** Stops the server and removes its temp dir. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
