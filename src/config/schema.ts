import { z } from "zod";
import { parseAdminUrl, parseSourceUrl } from "../output/icecast/request.js";
import { hostPortProblem } from "./host-port.js";

// Durations are plain numbers with the unit in the key name; bitrates are strings like "96k".
// Values are checked with the same functions `run` uses on them, so `check` accepts only what runs.
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must match [A-Za-z0-9][A-Za-z0-9_.-]*");

/** A string `parse` accepts; its error message becomes the issue's. */
const parsedBy = (parse: (s: string) => unknown) =>
  z.string().superRefine((s, ctx) => {
    try {
      parse(s);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
    }
  });
const address = (minPort: 0 | 1) =>
  z.string().superRefine((s, ctx) => {
    const problem = hostPortProblem(s, minPort);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
/** Where we listen (port 0: any free port) and where we connect to (a real port). */
const hostPort = address(0);
const peerHostPort = address(1);
const httpUrl = parsedBy((s) => {
  const scheme = URL.canParse(s) ? new URL(s).protocol : null;
  if (scheme !== "http:" && scheme !== "https:") throw new Error("must be an http(s) URL");
});
const bitrate = z
  .string()
  .regex(/^\d+(\.\d+)?k$/, 'must be a bitrate like "96k"')
  .transform((s) => Math.round(parseFloat(s) * 1000))
  .refine((b) => b >= 8000, "must be at least 8k");

const srtCommon = {
  latencyMs: z.number().int().min(20).max(8000).default(200),
  passphrase: z
    .string()
    .refine((s) => s === "" || (s.length >= 10 && s.length <= 79), "must be empty or 10 to 79 characters")
    .default(""),
  pbKeyLen: z.union([z.literal(0), z.literal(16), z.literal(24), z.literal(32)]).default(0),
  streamId: z.string().max(512).nullable().default(null),
};
const srtListener = z.strictObject({ mode: z.literal("listener"), bind: hostPort, ...srtCommon });
const srtCaller = z.strictObject({ mode: z.literal("caller"), connect: peerHostPort, ...srtCommon });

const inputBase = { id, autofallback: z.boolean().default(true) };
/**
 * Paths of one programme: SRT inputs that carry the same MPEG-TS from one encoder share one
 * timeline (aligned by PTS), so switching between them repeats or skips nothing.
 */
const group = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must match [A-Za-z0-9][A-Za-z0-9_.-]*");
const srtInput = z.strictObject({
  ...inputBase,
  group: group.nullable().default(null),
  srt: z.discriminatedUnion("mode", [srtListener, srtCaller]),
});
const fileInput = z.strictObject({ ...inputBase, file: z.strictObject({ path: z.string().min(1) }) });
const toneInput = z.strictObject({
  ...inputBase,
  tone: z.strictObject({
    frequencyHz: z.number().positive().max(20000).default(1000),
    amplitudeDb: z.number().max(0).default(-18),
  }),
});
const input = z.union([srtInput, fileInput, toneInput]);

// MPEG audio layer III stops at 320 kbit/s: lame would encode less than the stream announces.
const profile = z
  .strictObject({ codec: z.enum(["aac", "mp3"]), bitrate })
  .refine((p) => p.codec !== "mp3" || p.bitrate <= 320_000, {
    message: "mp3 bitrates go up to 320k",
    path: ["bitrate"],
  });

const icecast = z.strictObject({
  id: id.optional(),
  url: parsedBy(parseSourceUrl),
  profile: z.string(),
  name: z.string().optional(),
  description: z.string().optional(),
  genre: z.string().optional(),
  /** Sent as `ice-url`. */
  homepage: z.string().optional(),
  public: z.boolean().default(false),
  admin: parsedBy((s) => parseAdminUrl(s, "admin"))
    .nullable()
    .default(null),
  method: z.enum(["PUT", "SOURCE"]).default("PUT"),
});

const hls = z.strictObject({
  dir: z.string().min(1),
  segmentSec: z.number().min(1).max(30).default(4),
  windowSegments: z.number().int().min(3).max(1000).default(15),
  profiles: z.array(z.string()).min(1),
  push: z
    .strictObject({
      url: httpUrl,
      method: z.enum(["PUT", "POST"]).default("PUT"),
    })
    .nullable()
    .default(null),
  /** Playlists and /readyz answer 503 while the program is on safety or blank (docs/redundancy.md). */
  healthAware: z.boolean().default(false),
});

export const channelSchema = z.strictObject({
  channel: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must match [a-z0-9][a-z0-9-]*"),
  audio: z
    .strictObject({
      sampleRate: z.union([z.literal(44100), z.literal(48000)]).default(48000),
      channels: z.union([z.literal(1), z.literal(2)]).default(2),
    })
    .prefault({}),
  inputs: z.array(input).min(1),
  switcher: z
    .strictObject({
      silence: z
        .strictObject({
          thresholdDb: z.number().max(0).default(-40),
          maxBlankSec: z.number().positive().default(5),
          minNoiseSec: z.number().min(0).default(1),
        })
        .prefault({}),
      bufferMs: z.number().min(40).max(10000).default(300),
      maxBufferMs: z.number().min(40).max(20000).default(2000),
      starvationMs: z.number().min(20).max(10000).default(300),
      returnDelaySec: z.number().min(0).default(5),
      crossfadeMs: z.number().min(0).max(5000).default(50),
      statePath: z.string().nullable().default(null),
    })
    .prefault({}),
  profiles: z.record(id, profile),
  outputs: z
    .strictObject({
      hls: hls.nullable().default(null),
      icecast: z.array(icecast).default([]),
    })
    .prefault({}),
  api: z
    .strictObject({
      listen: hostPort.default("127.0.0.1:8080"),
      token: z.string().default(""),
      serveHls: z.boolean().default(true),
      /** The fleet's listeners service (`antenne listeners`): the status page shows its count. */
      listenersUrl: httpUrl.nullable().default(null),
    })
    .prefault({}),
});

export type ChannelConfigRaw = z.infer<typeof channelSchema>;
export type InputConfig = z.infer<typeof input>;
export type SrtInputConfig = z.infer<typeof srtInput>;
export type SrtOptions = SrtInputConfig["srt"];
export type ProfileConfig = z.infer<typeof profile>;
export type IcecastConfigRaw = z.infer<typeof icecast>;
export type HlsConfig = z.infer<typeof hls>;
