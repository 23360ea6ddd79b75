/** "host:port" addresses of the channel file (SRT binds and peers, the API), checked as run uses them. */
import { isIP } from "node:net";

export interface HostPort {
  host: string;
  port: number;
}

const FORM = /^(?:\[([^\]]*)\]|([A-Za-z0-9_.-]+)):(\d{1,5})$/;
export const HOST_PORT_FORM = 'must be "host:port" (IPv6 as "[::1]:port")';

/** Why `s` is not a usable address (null when it is); `minPort` 1 where port 0 means nothing. */
export function hostPortProblem(s: string, minPort: 0 | 1): string | null {
  const m = FORM.exec(s);
  if (!m) return HOST_PORT_FORM;
  if (m[1] !== undefined && isIP(m[1]) !== 6) return `"${m[1]}" in brackets is not an IPv6 address`;
  const port = Number(m[3]);
  if (port < minPort || port > 65535) return `port ${port} is out of range (${minPort}-65535)`;
  return null;
}

/** The parts of a valid address, else null. */
export function splitHostPort(s: string): HostPort | null {
  const m = FORM.exec(s);
  if (!m || hostPortProblem(s, 0) !== null) return null;
  return { host: (m[1] ?? m[2] ?? "").toLowerCase(), port: Number(m[3]) };
}

/** Binds every local address: it clashes with any other bind on the same port. */
export function isWildcardHost(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "0:0:0:0:0:0:0:0";
}
