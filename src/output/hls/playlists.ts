/**
 * Pure rendering of HLS playlists (RFC 8216) and of the file names the HLS output
 * uses. No I/O, no clock: everything time-related comes in as numbers.
 */
import type { Codec } from "../../types/index.js";

export interface PlaylistEntry {
  sequence: number;
  /** File name relative to the playlist. */
  uri: string;
  durationSec: number;
  /** Wall-clock ms (Unix) of the segment's first sample. */
  pdtMs: number;
  /** The timeline breaks before this segment. */
  discontinuity: boolean;
  /** This instance does not have the segment (EXT-X-GAP): listed from the grid, never fetched. */
  gap?: boolean;
}

export interface MediaPlaylist {
  targetDuration: number;
  discontinuitySequence: number;
  /** In sequence order, consecutive; MEDIA-SEQUENCE is the first one's sequence. */
  entries: readonly PlaylistEntry[];
}

export interface VariantInfo {
  uri: string;
  bandwidth: number;
  averageBandwidth: number;
  codecs: string;
}

/**
 * Version 3: decimal EXTINF. PROGRAM-DATE-TIME, DISCONTINUITY-SEQUENCE and
 * INDEPENDENT-SEGMENTS need nothing newer.
 */
const VERSION = 3;

/** RFC 6381 codec strings: AAC-LC is object type 2, MP3 (MPEG-1/2 Layer III) is 34. */
export function codecsOf(codec: Codec): string {
  return codec === "aac" ? "mp4a.40.2" : "mp4a.40.34";
}

/**
 * Rounded EXTINF must be ≤ TARGETDURATION (RFC 8216 §4.3.3.1), and it must not
 * change during the stream, so it is derived from the longest segment the grid can
 * produce rather than from segments seen so far.
 */
export function targetDurationOf(maxSegmentSec: number): number {
  return Math.max(1, Math.round(maxSegmentSec));
}

export function isoMs(ms: number): string {
  return new Date(Math.round(ms)).toISOString();
}

export function renderMediaPlaylist(p: MediaPlaylist): string {
  const first = p.entries[0];
  const lines = [
    "#EXTM3U",
    `#EXT-X-VERSION:${VERSION}`,
    `#EXT-X-TARGETDURATION:${p.targetDuration}`,
    `#EXT-X-MEDIA-SEQUENCE:${first ? first.sequence : 0}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${p.discontinuitySequence}`,
  ];
  for (const e of p.entries) {
    if (e.discontinuity) lines.push("#EXT-X-DISCONTINUITY");
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${isoMs(e.pdtMs)}`);
    if (e.gap) lines.push("#EXT-X-GAP");
    lines.push(`#EXTINF:${e.durationSec.toFixed(6)},`);
    lines.push(e.uri);
  }
  return lines.join("\n") + "\n";
}

export function renderMasterPlaylist(variants: readonly VariantInfo[]): string {
  const lines = ["#EXTM3U", `#EXT-X-VERSION:${VERSION}`, "#EXT-X-INDEPENDENT-SEGMENTS"];
  for (const v of variants) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${Math.ceil(v.bandwidth)},AVERAGE-BANDWIDTH=${Math.ceil(
        v.averageBandwidth,
      )},CODECS="${v.codecs}"`,
    );
    lines.push(v.uri);
  }
  return lines.join("\n") + "\n";
}

export function masterPlaylistName(channel: string): string {
  return `${channel}.m3u8`;
}

export function mediaPlaylistName(channel: string, profile: string): string {
  return `${channel}_${profile}.m3u8`;
}

export interface SegmentNameParts {
  channel: string;
  codec: Codec;
  profile: string;
  segmentSec: number;
  sequence: number;
  pdtMs: number;
}

/** `<channel>_<codec>_<profile>_<segmentSec>_<sequence>_<unixTime>.ts`, unixTime = PDT's whole second. */
export function segmentName(p: SegmentNameParts): string {
  const unix = Math.floor(Math.round(p.pdtMs) / 1000);
  return `${p.channel}_${p.codec}_${p.profile}_${p.segmentSec}_${p.sequence}_${unix}.ts`;
}

/**
 * Matches any segment of this channel, whatever profile or segment length wrote it,
 * so files left by an earlier configuration are also found and cleaned up.
 * Profiles may contain '_', hence the anchoring on the numeric tail.
 */
export function segmentNamePattern(channel: string): RegExp {
  return new RegExp(`^${escape(channel)}_(aac|mp3)_(.+)_(\\d+(?:\\.\\d+)?)_(\\d+)_(\\d+)\\.ts$`);
}

/** Temp files of atomic writes of any of our files (segments, media and master playlists). */
export function tmpFilePattern(channel: string): RegExp {
  return new RegExp(`^${escape(channel)}[_.].*\\.\\d+\\.\\d+\\.tmp$`);
}

export interface ParsedSegmentName {
  codec: Codec;
  profile: string;
  segmentSec: number;
  sequence: number;
  unixTime: number;
}

/** The parts of one of our segment names, or null when `name` is not one. */
export function parseSegmentName(channel: string, name: string): ParsedSegmentName | null {
  const m = segmentNamePattern(channel).exec(name);
  if (!m) return null;
  const [, codec, profile, sec, seq, unix] = m;
  if ((codec !== "aac" && codec !== "mp3") || !profile || !sec || !seq || !unix) return null;
  const sequence = Number(seq);
  if (!Number.isSafeInteger(sequence)) return null;
  return { codec, profile, segmentSec: Number(sec), sequence, unixTime: Number(unix) };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
