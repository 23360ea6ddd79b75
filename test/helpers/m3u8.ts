/** A parsed media playlist, enough to check what RFC 8216 lets a test check. */
export interface MediaPlaylist {
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  segments: {
    seq: number;
    duration: number;
    pdtMs: number | null;
    uri: string;
    discontinuity: boolean;
    /** EXT-X-GAP: the instance does not have this segment. */
    gap: boolean;
  }[];
}

export function parseMedia(text: string): MediaPlaylist {
  const lines = text.split("\n").map((l) => l.trim());
  if (lines[0] !== "#EXTM3U") throw new Error("not a playlist");
  const num = (tag: string) => {
    const l = lines.find((x) => x.startsWith(tag + ":"));
    return l === undefined ? NaN : Number(l.slice(tag.length + 1));
  };
  const pl: MediaPlaylist = {
    targetDuration: num("#EXT-X-TARGETDURATION"),
    mediaSequence: num("#EXT-X-MEDIA-SEQUENCE"),
    discontinuitySequence: num("#EXT-X-DISCONTINUITY-SEQUENCE"),
    segments: [],
  };
  let seq = pl.mediaSequence;
  let duration = NaN;
  let pdtMs: number | null = null;
  let disc = false;
  let gap = false;
  for (const l of lines) {
    if (l.startsWith("#EXTINF:")) duration = parseFloat(l.slice(8));
    else if (l.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) pdtMs = Date.parse(l.slice(25));
    else if (l === "#EXT-X-DISCONTINUITY") disc = true;
    else if (l === "#EXT-X-GAP") gap = true;
    else if (l && !l.startsWith("#")) {
      pl.segments.push({ seq: seq++, duration, pdtMs, uri: l, discontinuity: disc, gap });
      duration = NaN;
      pdtMs = null;
      disc = false;
      gap = false;
    }
  }
  return pl;
}

export interface Variant {
  bandwidth: number;
  averageBandwidth: number;
  codecs: string;
  uri: string;
}

export function parseMaster(text: string): { independent: boolean; variants: Variant[] } {
  const lines = text.split("\n").map((l) => l.trim());
  const variants: Variant[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l.startsWith("#EXT-X-STREAM-INF:")) continue;
    const attr = (name: string) =>
      new RegExp(`(?:^|[:,])${name}=("[^"]*"|[^,]*)`).exec(l)?.[1]?.replace(/"/g, "") ?? "";
    variants.push({
      bandwidth: Number(attr("BANDWIDTH")),
      averageBandwidth: Number(attr("AVERAGE-BANDWIDTH")),
      codecs: attr("CODECS"),
      uri: lines[i + 1] ?? "",
    });
  }
  return { independent: lines.includes("#EXT-X-INDEPENDENT-SEGMENTS"), variants };
}
