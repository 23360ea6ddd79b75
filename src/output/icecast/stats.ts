/**
 * A tolerant reader for Icecast's /admin/stats XML: enough to find a mount's listeners,
 * title, content type and bitrate, without an XML library.
 */

export interface IcecastMountStats {
  mount: string;
  listeners: number | null;
  title: string | null;
  contentType: string | null;
  /** kbit/s as the server reports it. */
  bitrate: number | null;
  /** Every simple `<tag>text</tag>` of the source element, entities decoded. */
  fields: Record<string, string>;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export function decodeXmlEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

function num(v: string | undefined): number | null {
  if (v === undefined || v.trim() === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Every `<source mount="…">` of the document, keyed by mount ("/fip-hifi.aac"). */
export function parseIcecastStats(xml: string): Map<string, IcecastMountStats> {
  const out = new Map<string, IcecastMountStats>();
  const sourceRe = /<source\s+mount\s*=\s*(["'])(.*?)\1\s*>([\s\S]*?)<\/source>/g;
  for (const m of xml.matchAll(sourceRe)) {
    const mount = decodeXmlEntities(m[2] ?? "");
    const fields: Record<string, string> = {};
    for (const f of (m[3] ?? "").matchAll(/<([A-Za-z_][\w.-]*)>([^<]*)<\/\1>/g)) {
      fields[f[1]!] = decodeXmlEntities(f[2] ?? "");
    }
    const bitrate = num(fields.bitrate) ?? num(fields["ice-bitrate"]) ?? num(fields.audio_bitrate);
    out.set(mount, {
      mount,
      listeners: num(fields.listeners),
      title: fields.title ?? null,
      contentType: fields.server_type ?? null,
      bitrate: bitrate !== null && bitrate > 1000 ? Math.round(bitrate / 1000) : bitrate,
      fields,
    });
  }
  return out;
}
