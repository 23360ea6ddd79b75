/**
 * One access-log line of the HLS cache layer, as nginx writes it with
 *
 *   log_format antenne_json escape=json
 *     '{"ts":"$msec","addr":"$remote_addr","ua":"$http_user_agent","uri":"$uri","status":"$status","bytes":"$body_bytes_sent"}';
 *
 * and what it says about a listener. Pure: no clock, no I/O.
 *
 * A line counts as listening when it is a successful (2xx/304) fetch of a channel's media
 * playlist (`<channel>_<profile>.m3u8`) or of one of its segments (`<channel>_….ts`). The master
 * playlist (`<channel>.m3u8`) alone does not: a page that preloads it, or a player that never
 * starts, is not listening. Channel names cannot contain `_` (SPEC §2), so the channel is the
 * file name up to its first `_`.
 */

export interface LogLine {
  /** When the request was served, ms since the epoch. */
  tsMs: number;
  addr: string;
  ua: string;
  uri: string;
  status: number;
}

/** Why a line was not used: a bounded set (a metric label). */
export type LineVerdict =
  | { kind: "media"; channel: string; line: LogLine }
  | { kind: "ignored" }
  | { kind: "invalid"; reason: string };

/** Longest user agent kept: longer ones are cut (they only feed a hash). */
export const MAX_UA = 512;

const field = (o: Record<string, unknown>, k: string): string | null => {
  const v = o[k];
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return null;
};

/**
 * Parses one JSON line. Log shippers often wrap the raw line in an event whose `message` holds
 * it (Vector, Fluent Bit reading a file): one level of such wrapping is unwrapped.
 */
export function parseLogLine(text: string): LogLine | { error: string } {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return { error: "not JSON" };
  }
  if (o && typeof o === "object" && !Array.isArray(o)) {
    const rec = o as Record<string, unknown>;
    if (rec.uri === undefined && typeof rec.message === "string") return parseLogLine(rec.message);
    const ts = Number(field(rec, "ts") || NaN);
    const status = Number(field(rec, "status") || NaN);
    const addr = field(rec, "addr");
    const uri = field(rec, "uri");
    if (!Number.isFinite(ts) || ts <= 0) return { error: "ts missing or not a number" };
    if (!addr) return { error: "addr missing" };
    if (!uri) return { error: "uri missing" };
    if (!Number.isInteger(status) || status < 100 || status > 599)
      return { error: "status missing or not an HTTP status" };
    const ua = (field(rec, "ua") ?? "").slice(0, MAX_UA);
    return { tsMs: Math.round(ts * 1000), addr, ua, uri, status };
  }
  return { error: "not a JSON object" };
}

/** The channel a media playlist or segment URI belongs to, or null (master playlist, other files). */
export function channelOfUri(uri: string): string | null {
  const q = uri.search(/[?#]/);
  const path = q < 0 ? uri : uri.slice(0, q);
  const file = path.slice(path.lastIndexOf("/") + 1);
  const m = /^([a-z0-9][a-z0-9-]*)_[^/]*\.(m3u8|ts)$/.exec(file);
  return m ? m[1]! : null;
}

/** Classifies a line: media fetch of a channel, ignored, or invalid (with why). */
export function classify(text: string): LineVerdict {
  const line = parseLogLine(text);
  if ("error" in line) return { kind: "invalid", reason: line.error };
  const ok = (line.status >= 200 && line.status < 300) || line.status === 304;
  const channel = ok ? channelOfUri(line.uri) : null;
  return channel ? { kind: "media", channel, line } : { kind: "ignored" };
}
