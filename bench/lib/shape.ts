/**
 * The channel jobs the benches run (SPEC §8, issue 10), the same for antenne, the ffmpeg floor
 * and Liquidsoap: SRT listener inputs in priority order, the first `fed` of them with a sender
 * (AAC, MP2, AAC, … at 44.1 kHz), plus a safety source; HLS AAC 32k/96k/192k; Icecast AAC 192k
 * and MP3 128k.
 */
import type { SenderCodec } from "./senders.js";

export interface Shape {
  name: string;
  /** SRT listener inputs. */
  inputs: number;
  /** Inputs with a sender: the first ones, so the first (highest priority) is on air. */
  fed: number;
  segmentSec: number;
  /** With Icecast AAC 192k + MP3 128k (false: HLS only). */
  icecast: boolean;
}

export const SPEC_JOB: Shape = { name: "SPEC job", inputs: 2, fed: 2, segmentSec: 4, icecast: true };
export const PRODUCTION: Shape = {
  name: "production shape",
  inputs: 7,
  fed: 5,
  segmentSec: 4,
  icecast: true,
};

/** The codec sent to input i (0-based): the SPEC's main is AAC, its backup MP2. */
export const senderCodec = (i: number): SenderCodec => (i % 2 === 0 ? "aac" : "mp2");

/** Input labels: the reference's main/backup for two inputs, in1…inN otherwise. */
export function inputLabels(shape: Shape): string[] {
  if (shape.inputs === 2) return ["main", "backup"];
  return Array.from({ length: shape.inputs }, (_, i) => `in${i + 1}`);
}

/** HLS ladder and the mounts, shared by every job. */
export const LADDER = [
  { name: "lofi", bitrate: "32k" },
  { name: "midfi", bitrate: "96k" },
  { name: "hifi", bitrate: "192k" },
] as const;

/** The variant whose playlist the benches watch. */
export const WATCHED = "midfi";

/** What a job needs to start: its SRT ports (one per input), a work dir, the Icecast server. */
export interface JobPlan {
  shape: Shape;
  ports: number[];
  dir: string;
  /** Unique per channel on the shared Icecast server (mount names). */
  tag: string;
  ice: { sourceUrl(mount: string): string; port: number; password: string } | null;
}
