/**
 * The error catalogue: every condition ops may need to see, with a stable code. A code is never
 * renamed or reused (scripts, alerts and runbooks key on it). Each entry says how it is logged,
 * which metric counts it besides `antenne_errors_total{code}`, and whether it stops the process.
 * docs/errors.md is rendered from this table (`npm run docs:errors`) and a test keeps them equal.
 */

export interface ErrorSpec {
  level: "info" | "warn" | "error" | "fatal";
  /** The log line's message (fields carry the specifics: input, output, peer, path …). */
  message: string;
  /** The specific metric that also counts it, if any (all are in antenne_errors_total{code}). */
  counter: string | null;
  /** Stops the process (exit 1) instead of being survived. */
  fatal: boolean;
  /** What it means and what to do. */
  hint: string;
}

const e = (
  level: ErrorSpec["level"],
  message: string,
  counter: string | null,
  hint: string,
  fatal = false,
): ErrorSpec => ({ level, message, counter, fatal, hint });

export const ERRORS = {
  ANTENNE_CONFIG_INVALID: e(
    "fatal",
    "channel file invalid",
    null,
    "`FILE:LINE:COL: key.path: message` lines on stderr; `antenne check` shows every error at once.",
    true,
  ),
  ANTENNE_API_LISTEN_FAILED: e(
    "fatal",
    "cannot listen on api.listen",
    null,
    "Another process holds the port, or the address is not local.",
    true,
  ),
  ANTENNE_STATE_UNREADABLE: e(
    "warn",
    "state file unreadable; starting from scratch",
    null,
    "The preferred input is forgotten; the file is rewritten at the next change.",
  ),
  ANTENNE_STATE_WRITE_FAILED: e(
    "error",
    "cannot write state file",
    null,
    "Disk full or permissions: the preferred input will not survive a restart.",
  ),
  ANTENNE_STATE_UNKNOWN_PREFERRED: e(
    "warn",
    "state file names an unknown input as preferred; ignored",
    null,
    "The input was removed from the channel file; plain priority order applies.",
  ),
  ANTENNE_SRT_REJECTED_PASSPHRASE: e(
    "warn",
    "SRT caller rejected: wrong or missing passphrase",
    'antenne_input_rejected_total{reason="passphrase"}',
    "The sender's passphrase differs from the input's (or one side has none).",
  ),
  ANTENNE_SRT_REJECTED_BUSY: e(
    "warn",
    "SRT caller rejected: the listener already has a live publisher",
    'antenne_input_rejected_total{reason="busy"}',
    "Two senders call one input; only one publishes. A silent publisher is replaced at once.",
  ),
  ANTENNE_SRT_REJECTED_STREAMID: e(
    "warn",
    "SRT caller rejected: wrong stream id",
    'antenne_input_rejected_total{reason="streamid"}',
    "The caller's streamid differs from the input's `streamId`.",
  ),
  ANTENNE_SRT_REJECTED_PEER: e(
    "warn",
    "SRT caller vanished before admission",
    'antenne_input_rejected_total{reason="peer"}',
    "The caller closed during the handshake; harmless unless it repeats.",
  ),
  ANTENNE_SRT_LISTEN_FAILED: e(
    "error",
    "SRT listener cannot bind; retrying",
    null,
    "The UDP port is taken or the bind address is not local; retried with backoff.",
  ),
  ANTENNE_SRT_CONNECT_FAILED: e(
    "warn",
    "SRT connect failed; retrying",
    null,
    "A caller input cannot reach its studio listener; retried 1 s doubling to 10 s.",
  ),
  ANTENNE_SRT_CONNECTION_LOST: e(
    "warn",
    "SRT connection lost",
    null,
    "The sender stopped or the network broke; the program fails over if it was on air.",
  ),
  ANTENNE_INPUT_UNDECODABLE: e(
    "error",
    "input carries data that does not decode as audio",
    'antenne_input_rejected_total{reason="undecodable"}',
    "Bytes arrive but no audio comes out: wrong format on the port, or garbage.",
  ),
  ANTENNE_INPUT_STREAM_DAMAGED: e(
    "warn",
    "input stream damaged; the damaged part is concealed",
    null,
    "MPEG-TS or WAV errors (sync lost, bad CRC, an undecodable frame): each lost frame becomes silence of its length.",
  ),
  ANTENNE_INPUT_OVERRUN: e(
    "warn",
    "input delivers audio faster than real time; oldest audio dropped",
    'antenne_input_rejected_total{reason="overrun"}',
    "A sender far faster than real time (a file sent without -re); the input holds its delay.",
  ),
  ANTENNE_CHILD_START_FAILED: e(
    "error",
    "child process failed to start; retrying",
    null,
    "ffmpeg is missing or not executable; retried with backoff.",
  ),
  ANTENNE_CHILD_DIED: e(
    "warn",
    "child process died; restarting",
    "antenne_encoder_restarts_total (encoder)",
    "A decoder or the encoder exited; restarted within 1 s.",
  ),
  ANTENNE_ENCODER_STALLED: e(
    "error",
    "encoder took no audio for 3 s; restarting",
    "antenne_encoder_restarts_total",
    "The encoder hung; it is killed and restarted from the open segment.",
  ),
  ANTENNE_CLOCK_BEHIND: e(
    "error",
    "program clock fell behind; skipping ahead",
    null,
    "The process was frozen or starved of CPU for over a second; HLS lists the skipped segments as gaps.",
  ),
  ANTENNE_CLOCK_REANCHORED: e(
    "warn",
    "program clock re-anchored on the wall clock",
    "antenne_clock_reanchors_total",
    "The wall clock was stepped (NTP, a resumed VM) by more than 100 ms. Forward: the program jumps to UTC and the skipped segments are gaps. Backward: the program pauses for the step (sequences never go back). Check chrony/NTP (docs/redundancy.md).",
  ),
  ANTENNE_CLOCK_AHEAD: e(
    "error",
    "wall clock stepped back further than the program can pause; running ahead of UTC",
    null,
    "The instance stays on air but its timeline is ahead of UTC (antenne_clock_offset_seconds < 0) and no longer matches its peer's; it re-aligns on restart. Fix the host clock.",
  ),
  ANTENNE_HLS_DISK_ERROR: e(
    "error",
    "HLS disk error",
    "antenne_hls_disk_errors_total",
    "A segment or playlist could not be written (disk full, permissions): the segment is listed as a gap; the next one is tried.",
  ),
  ANTENNE_HLS_QUEUE_FULL: e(
    "error",
    "HLS segments waiting for the disk; newest dropped",
    null,
    "The disk is too slow or hung: segments are dropped rather than held in memory.",
  ),
  ANTENNE_HLS_PUSH_FAILED: e(
    "warn",
    "HLS push gave up on a file",
    "antenne_hls_push_failures_total",
    "The origin refused (4xx) or did not answer after 5 tries with backoff; the file is missing there (responses by code: antenne_hls_push_total{code}).",
  ),
  ANTENNE_HLS_PUSH_DROPPED: e(
    "warn",
    "HLS push queue full; oldest file dropped",
    "antenne_hls_push_dropped_total",
    "The origin is slower than the stream or down; the local output is unaffected.",
  ),
  ANTENNE_ICECAST_REFUSED: e(
    "error",
    "Icecast refused the source",
    "antenne_output_restarts_total",
    "401: bad credentials; 403/409: mount in use or not allowed. Retried with backoff.",
  ),
  ANTENNE_ICECAST_DISCONNECTED: e(
    "warn",
    "Icecast connection failed or lost; reconnecting",
    "antenne_output_restarts_total",
    "The server is down, restarting or unreachable; reconnected 1 s doubling to 30 s.",
  ),
  ANTENNE_ICECAST_FRAMES_DROPPED: e(
    "warn",
    "Icecast server too slow; frames dropped",
    null,
    "The socket to Icecast is congested: frames are dropped so the program never waits.",
  ),
  ANTENNE_ICECAST_ADMIN_FAILED: e(
    "warn",
    "Icecast admin request failed",
    null,
    "Listener counts or metadata updates fail (wrong admin URL or credentials).",
  ),
  ANTENNE_EVENT_LISTENER_THREW: e(
    "error",
    "event listener threw",
    null,
    "A bug: a component's listener threw; the emitter carried on.",
  ),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/** docs/errors.md, rendered from the table above. */
export function renderErrorCatalogue(): string {
  const rows = ERROR_CODES.map((code) => {
    const s: ErrorSpec = ERRORS[code];
    const counter = s.counter ? `\`${s.counter}\`` : "—";
    return `| \`${code}\` | ${s.level}${s.fatal ? " (exits)" : ""} | ${s.message} | ${counter} | ${s.hint} |`;
  });
  return [
    "# Error catalogue",
    "",
    "Generated from `src/errors/catalogue.ts` (`npm run docs:errors`); a test keeps this file equal to it.",
    "",
    "Every occurrence is a log line with `code` and the component fields (`input`, `output`, `profile`,",
    "`peer`, `path` …) and counts in `antenne_errors_total{code}` (every code is exported from start, at",
    "0). Repeats of one code on one component within a second are folded into one line:",
    '`"N more in 1 s"` with the last occurrence\'s fields.',
    "",
    "| code | level | log message | also counted in | meaning and action |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
