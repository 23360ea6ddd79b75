import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

/** A "host:port" string split into its parts; IPv6 hosts are written "[::1]:port". */
export interface HostPort {
  host: string;
  port: number;
}

/** A numeric address ready to be encoded as a sockaddr. */
export interface IpEndpoint {
  ip: string;
  port: number;
  family: 4 | 6;
}

const AF_INET = 2;
const AF_INET6 = 10; // Linux value; this daemon only targets Linux.
export const SOCKADDR_IN_SIZE = 16;
export const SOCKADDR_IN6_SIZE = 28;
/** sizeof(struct sockaddr_storage): big enough for anything libsrt hands back. */
export const SOCKADDR_STORAGE_SIZE = 128;

export function parseHostPort(s: string): HostPort {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+)):(\d{1,5})$/.exec(s);
  if (!m) throw new Error(`invalid address "${s}": expected "host:port" (IPv6 as "[::1]:port")`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid address "${s}": port ${port} is out of range`);
  const host = m[1] ?? m[2] ?? "";
  if (m[1] !== undefined && isIP(host) !== 6)
    throw new Error(`invalid address "${s}": "${host}" is not IPv6`);
  return { host, port };
}

/** The endpoint of a numeric "ip:port" / "[ip6]:port"; null when the host is a name. */
export function numericEndpoint(s: string): IpEndpoint | null {
  const { host, port } = parseHostPort(s);
  const literal = isIP(host);
  return literal === 4 || literal === 6 ? { ip: host, port, family: literal } : null;
}

/** Resolves the host (A/AAAA through the system resolver) unless it is already numeric. */
export async function resolveHostPort(s: string): Promise<IpEndpoint> {
  const numeric = numericEndpoint(s);
  if (numeric) return numeric;
  const { host, port } = parseHostPort(s);
  const { address, family } = await lookup(host);
  return { ip: address, port, family: family === 6 ? 6 : 4 };
}

export function formatEndpoint(e: { ip: string; port: number; family: 4 | 6 }): string {
  return e.family === 6 ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

/** struct sockaddr_in / sockaddr_in6 in host byte order for the family field (Linux x86/arm). */
export function encodeSockaddr(e: IpEndpoint): Buffer {
  if (e.family === 4) {
    const b = Buffer.alloc(SOCKADDR_IN_SIZE);
    b.writeUInt16LE(AF_INET, 0);
    b.writeUInt16BE(e.port, 2);
    const parts = e.ip.split(".").map(Number);
    for (let i = 0; i < 4; i++) b[4 + i] = parts[i] ?? 0;
    return b;
  }
  const b = Buffer.alloc(SOCKADDR_IN6_SIZE);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(e.port, 2);
  ipv6ToBytes(e.ip).copy(b, 8);
  return b;
}

/** Decodes what libsrt wrote into a sockaddr_storage; null for an unknown family. */
export function decodeSockaddr(b: Buffer): IpEndpoint | null {
  const family = b.readUInt16LE(0);
  const port = b.readUInt16BE(2);
  if (family === AF_INET) return { ip: `${b[4]}.${b[5]}.${b[6]}.${b[7]}`, port, family: 4 };
  if (family === AF_INET6) return { ip: bytesToIpv6(b.subarray(8, 24)), port, family: 6 };
  return null;
}

export function ipv6ToBytes(ip: string): Buffer {
  let text = ip;
  const out = Buffer.alloc(16);
  // An embedded IPv4 tail ("::ffff:1.2.3.4") becomes the last two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split("::") as [string, string | undefined];
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  if (groups.length !== 8) throw new Error(`invalid IPv6 address "${ip}"`);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export function bytesToIpv6(b: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}
