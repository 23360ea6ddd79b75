/**
 * The stock-sender matrix (issue 9, "Tests (real peers, stock settings)"): every case a real
 * sender at its defaults toward one SRT input (priority 1) with a tone safety behind it. Shared
 * by test/e2e/stock-senders.test.ts (asserts) and bench/stock-senders.ts (tabulates).
 *
 * `kind` says what the case must show once the input is on air:
 * - steady: no switch and no disturbed 10 ms window for ≥ 15 s, nothing dropped;
 * - silence: the sender's 5 s of digital silence → a blank switch after maxBlankSec, the safety
 *   heard while the status names it, the input back after the silence (minNoiseSec + returnDelaySec);
 * - format: AAC 44.1 kHz mono then 48 kHz stereo over one connection: both heard;
 * - lossy: steady through a path losing 5 % of datagrams (both ways) with 20 ms delay: SRT
 *   retransmits, nothing audible, nothing concealed.
 */
import type { CaseSpec } from "./stock-case.js";
import {
  burstySlt,
  ffmpegCaller,
  ffmpegPipeSlt,
  sequenceIntoSlt,
  type Codec,
  type ToneSource,
} from "./stock-senders.js";

export const TONE_HZ = 440;
/** The second part of the format-change case. */
export const TONE2_HZ = 550;
/** The silence case: sender time of its 5 s of digital silence. */
export const SILENCE = { fromSec: 8, toSec: 13 };
export const LOSS = { lossRate: 0.05, delayMs: 20, seed: 20240917 };
export const BURST_MS = 1000;

export type CaseKind = "steady" | "silence" | "format" | "lossy";

export interface MatrixCase {
  kind: CaseKind;
  spec: CaseSpec;
  /** Tones the sender sends. */
  freqs: number[];
}

const listener = (port: number) => `{ mode: listener, bind: "127.0.0.1:${port}" }`;
const caller = (port: number) => `{ mode: caller, connect: "127.0.0.1:${port}" }`;
const tone: ToneSource = { freq: TONE_HZ };
const OBSERVE_SEC = 16;

function ffmpegCase(name: string, codec: Codec, extra: string[] = []): MatrixCase {
  return {
    kind: "steady",
    freqs: [TONE_HZ],
    spec: {
      name,
      inputs: [{ id: "main", srt: listener }],
      onAir: "main",
      observeSec: OBSERVE_SEC,
      start: ({ ports }) => ffmpegCaller(ports.main!, tone, codec, extra),
    },
  };
}

export const MATRIX: MatrixCase[] = [
  ffmpegCase("ffmpeg -c:a aac -f mpegts srt:// (caller)", "aac"),
  ffmpegCase("ffmpeg -c:a mp2 -f mpegts srt://", "mp2"),
  ffmpegCase("ffmpeg -c:a libmp3lame -f mpegts srt://", "libmp3lame"),
  ffmpegCase("ffmpeg -c:a ac3 -f mpegts srt://", "ac3"),
  {
    kind: "silence",
    freqs: [TONE_HZ],
    spec: {
      name: `ffmpeg aac with 5 s of digital silence (t = ${SILENCE.fromSec}–${SILENCE.toSec} s)`,
      inputs: [{ id: "main", srt: listener }],
      onAir: "main",
      observeSec: 19,
      start: ({ ports }) =>
        ffmpegCaller(
          ports.main!,
          { ...tone, af: `volume=enable='between(t,${SILENCE.fromSec},${SILENCE.toSec})':volume=0` },
          "aac",
        ),
    },
  },
  {
    kind: "steady",
    freqs: [TONE_HZ],
    spec: {
      name: "ffmpeg -f mpegts - | srt-live-transmit file://con srt:// (caller)",
      inputs: [{ id: "main", srt: listener }],
      onAir: "main",
      observeSec: OBSERVE_SEC,
      start: ({ ports }) => ffmpegPipeSlt(`srt://127.0.0.1:${ports.main}`, tone),
    },
  },
  {
    kind: "steady",
    freqs: [TONE_HZ],
    spec: {
      name: "srt-live-transmit as listener, called by a caller input",
      inputs: [{ id: "main", srt: caller }],
      senderFirst: true,
      onAir: "main",
      observeSec: OBSERVE_SEC,
      start: ({ ports }) => ffmpegPipeSlt(`srt://127.0.0.1:${ports.main}?mode=listener`, tone),
    },
  },
  {
    kind: "format",
    freqs: [TONE_HZ, TONE2_HZ],
    spec: {
      name: "format change over one srt-live-transmit: AAC 44.1 kHz mono → 48 kHz stereo",
      inputs: [{ id: "main", srt: listener }],
      onAir: "main",
      observeSec: 18,
      start: ({ ports }) =>
        sequenceIntoSlt(`srt://127.0.0.1:${ports.main}`, [
          { freq: TONE_HZ, rate: 44100, channels: 1, seconds: 10 },
          { freq: TONE2_HZ, rate: 48000, channels: 2, seconds: 60 },
        ]),
    },
  },
  ffmpegCase("CBR TS with null packets (ffmpeg -muxrate 300k)", "aac", ["-muxrate", "300k"]),
  {
    kind: "steady",
    freqs: [TONE_HZ],
    spec: {
      name: `a sender delivering in ${BURST_MS / 1000} s bursts (ffmpeg | hold ${BURST_MS} ms | srt-live-transmit)`,
      inputs: [{ id: "main", srt: listener }],
      onAir: "main",
      observeSec: OBSERVE_SEC,
      // Stereo (ffmpeg's AAC default 128 kbit/s): a second of it fills srt-live-transmit's
      // default 10-packet buffer, so the bursts on the wire are the held seconds. (A mono
      // second does not, and slt would turn them into 2 s bursts.)
      start: ({ ports }) => burstySlt(`srt://127.0.0.1:${ports.main}`, { ...tone, channels: 2 }, BURST_MS),
    },
  },
  {
    kind: "lossy",
    freqs: [TONE_HZ],
    spec: {
      name: `5 % loss both ways + ${LOSS.delayMs} ms delay (UDP relay), SRT latency 200 ms`,
      inputs: [{ id: "main", srt: listener, relay: LOSS }],
      onAir: "main",
      observeSec: OBSERVE_SEC,
      start: ({ ports }) => ffmpegCaller(ports.main!, tone, "aac"),
    },
  },
];
