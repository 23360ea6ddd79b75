/**
 * The payload of a BSD syslog datagram (RFC 3164) as nginx sends it with
 * `access_log syslog:server=HOST:PORT,tag=antenne antenne_json;`:
 *
 *   <190>Nov 30 10:46:46 cache-1 antenne: {"ts":"1764499606.123",…}
 *
 * The header (priority, timestamp, host — absent with nginx's `nohostname` —, tag) is skipped:
 * the JSON starts at the first `{` after the tag's colon. Pure.
 */

/** The message part of one datagram, or null when it is not syslog framing with a JSON body. */
export function syslogPayload(datagram: string): string | null {
  const m = /^<\d{1,3}>/.exec(datagram);
  if (!m) return null;
  const rest = datagram.slice(m[0].length);
  // The tag ends with ':' (RFC 3164 §4.1.3, "TAG[pid]:"); the JSON follows, after one space.
  const colon = rest.indexOf(": {");
  if (colon < 0) return null;
  return rest.slice(colon + 2).replace(/[\r\n]+$/, "");
}
