/**
 * The Icecast source handshake as pure functions: request head, server answer parsing and
 * the classification of a refusal. No I/O here, so every byte is unit-tested.
 */
import type { AudioFormat, Codec } from "../../types/index.js";

export interface SourceTarget {
  /** https: the source connection is TLS (certificates checked against the system CAs). */
  tls: boolean;
  host: string;
  port: number;
  /** Request path, URL-encoded as in the configured URL ("/fip-hifi.aac"). */
  path: string;
  user: string;
  password: string;
}

/** An Icecast admin interface: "http(s)://admin:password@host:port". */
export interface AdminEndpoint {
  tls: boolean;
  host: string;
  port: number;
  /** "user:password" for basic auth. */
  auth: string;
}

/**
 * The port written in the URL, else Icecast's 8000 over http and 443 over https. WHATWG URL
 * drops a port equal to the scheme's default, so "http://h:80/" is read from the text itself.
 */
function portOf(url: string, u: URL): number {
  if (u.port) return Number(u.port);
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1] ?? "";
  const explicit = /:(\d+)$/.exec(authority.slice(authority.lastIndexOf("@") + 1));
  if (explicit) return Number(explicit[1]);
  return u.protocol === "https:" ? 443 : 8000;
}

/** Parses an http(s) URL of an Icecast server; throws a message that never shows the password. */
function parseServerUrl(url: string, expected: string): { u: URL; tls: boolean; port: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`not a valid URL (expected "${expected}")`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new Error(`unsupported scheme "${u.protocol}" (http: or https:) in ${redactUrl(url)}`);
  if (!u.hostname) throw new Error(`no host in ${redactUrl(url)}`);
  const port = portOf(url, u);
  if (port < 1 || port > 65535) throw new Error(`port ${port} is out of range in ${redactUrl(url)}`);
  return { u, tls: u.protocol === "https:", port };
}

const hostOf = (u: URL) => u.hostname.replace(/^\[(.*)\]$/, "$1");

/** Splits "http(s)://user:password@host:port/mount" (user defaults to "source"). */
export function parseSourceUrl(url: string): SourceTarget {
  const { u, tls, port } = parseServerUrl(url, "http(s)://user:password@host:port/mount");
  if (u.pathname === "/" || u.pathname === "")
    throw new Error(`no mount in ${redactUrl(url)} (expected ".../mount")`);
  return {
    tls,
    host: hostOf(u),
    port,
    path: u.pathname,
    user: u.username ? decodeURIComponent(u.username) : "source",
    password: decodeURIComponent(u.password),
  };
}

/** Splits "http(s)://user:password@host:port" of the admin interface. */
export function parseAdminUrl(url: string, defaultUser: string): AdminEndpoint {
  const { u, tls, port } = parseServerUrl(url, "http(s)://admin:password@host:port");
  const user = u.username ? decodeURIComponent(u.username) : defaultUser;
  return { tls, host: hostOf(u), port, auth: `${user}:${decodeURIComponent(u.password)}` };
}

/** The URL with its password replaced by "***", for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
  }
}

export function contentTypeOf(codec: Codec): string {
  return codec === "aac" ? "audio/aac" : "audio/mpeg";
}

/** `ice-audio-info` value: "ice-bitrate=128;ice-samplerate=44100;ice-channels=2" (bitrate in kbit/s). */
export function iceAudioInfo(bitrate: number, format: AudioFormat): string {
  return `ice-bitrate=${Math.round(bitrate / 1000)};ice-samplerate=${format.sampleRate};ice-channels=${format.channels}`;
}

export interface SourceRequestInput {
  target: SourceTarget;
  method: "PUT" | "SOURCE";
  codec: Codec;
  /** Bits per second. */
  bitrate: number;
  format: AudioFormat;
  name?: string | undefined;
  description?: string | undefined;
  genre?: string | undefined;
  homepage?: string | undefined;
  public: boolean;
  userAgent?: string | undefined;
}

/** A header value on one line: CR/LF would let a config value inject headers. */
function clean(v: string): string {
  return v.replace(/[\r\n]+/g, " ").trim();
}

/**
 * The request head, terminated by the empty line. PUT (Icecast ≥ 2.4) asks for
 * `100-continue` so nothing is sent before the server accepted the mount; the legacy
 * SOURCE method has no such step (the server answers 200 before reading).
 */
export function buildSourceRequest(r: SourceRequestInput): string {
  const t = r.target;
  const auth = Buffer.from(`${t.user}:${t.password}`, "utf8").toString("base64");
  const host = t.host.includes(":") ? `[${t.host}]` : t.host;
  const headers: [string, string][] = [
    ["Host", `${host}:${t.port}`],
    ["Authorization", `Basic ${auth}`],
    ["User-Agent", r.userAgent ?? "antenne"],
    ["Content-Type", contentTypeOf(r.codec)],
    ["ice-public", r.public ? "1" : "0"],
    ["ice-bitrate", String(Math.round(r.bitrate / 1000))],
    ["ice-audio-info", iceAudioInfo(r.bitrate, r.format)],
  ];
  if (r.name !== undefined) headers.push(["ice-name", r.name]);
  if (r.description !== undefined) headers.push(["ice-description", r.description]);
  if (r.genre !== undefined) headers.push(["ice-genre", r.genre]);
  if (r.homepage !== undefined) headers.push(["ice-url", r.homepage]);
  if (r.method === "PUT") headers.push(["Expect", "100-continue"]);
  const start = r.method === "PUT" ? `PUT ${t.path} HTTP/1.1` : `SOURCE ${t.path} HTTP/1.0`;
  return [start, ...headers.map(([k, v]) => `${k}: ${clean(v)}`), "", ""].join("\r\n");
}

/**
 * The request head as bytes. Icecast reads ice-* headers as ISO-8859-1 (the mount's default
 * charset) and shows UTF-8 bytes as mojibake ("TonalitÃ©"): Latin-1 when every character fits.
 */
export function sourceRequestBytes(r: SourceRequestInput): Buffer {
  const head = buildSourceRequest(r);
  const latin1 = Buffer.from(head, "latin1");
  return latin1.toString("latin1") === head ? latin1 : Buffer.from(head, "utf8");
}

export interface ResponseHead {
  status: number;
  reason: string;
  headers: Record<string, string>;
  /** Bytes of the head including the blank line. */
  length: number;
}

/**
 * Parses one response head at the start of `buf`; null while it is incomplete.
 * Throws on a status line that is not HTTP or ICY.
 */
export function parseResponseHead(buf: Buffer): ResponseHead | null {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
  const m = /^(?:HTTP\/\d(?:\.\d)?|ICY) (\d{3})(?: (.*))?$/.exec(lines[0] ?? "");
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify((lines[0] ?? "").slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(m[1]), reason: m[2] ?? "", headers, length: end + 4 };
}

/** Why the server refused the source, in the words an engineer looks for in the logs. */
export function describeRefusal(status: number, reason: string, body: string): string {
  const text = body.replace(/\s+/g, " ").trim().slice(0, 200);
  const detail = text ? ` (${text})` : reason ? ` (${reason})` : "";
  if (status === 401) return `401 bad credentials${detail}`;
  if (status === 409 || /mount ?point in use/i.test(body)) return `${status} mount in use${detail}`;
  if (status === 403) return `403 mount rejected${detail}`;
  return `${status} ${reason || "unexpected status"}${text ? ` (${text})` : ""}`;
}
