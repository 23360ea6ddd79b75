/**
 * One source connection to an Icecast server and what the server answers on it: the pure
 * part of the source client (no timers, no state machine), tested on byte sequences.
 */
import type { Socket } from "node:net";
import type { TimerHandle } from "../../clock/clock.js";
import { describeRefusal, parseResponseHead } from "./request.js";

export interface Connection {
  socket: Socket;
  phase: "handshake" | "streaming";
  /** Unparsed bytes from the server. */
  buf: Buffer;
  since: number;
  timer: TimerHandle | null;
  refusal: { status: number; reason: string; contentLength: number } | null;
  /** Frames gathered for the next write, and their bytes. */
  pending: Buffer[];
  pendingBytes: number;
  /** Writes what was gathered, flushMs after its first frame. */
  flushTimer: TimerHandle | null;
}

const MAX_HEAD = 16 * 1024;

/** What the bytes read so far mean; more than one may hold after one read. */
export interface AnswerStep {
  /** The server accepted the source (the connection is now streaming). */
  accepted: boolean;
  /** A refusal (status ≥ 300) began in this read: its body may still be coming. */
  refusalStarted: boolean;
  /** The refusal's body is complete: the reason can be given now. */
  refusalComplete: boolean;
  /** The server said something that is not HTTP while the source waited for its answer. */
  bad: string | null;
}

/**
 * Adds `d` to what the server said on `c` and reads it. Icecast 2.4 answers a PUT with 100
 * then 200, 2.5 with 100 only, SOURCE with 200. Once streaming, anything the server sends
 * (it should send nothing) is read past, never taken as a reason to drop the source.
 */
export function readAnswer(c: Connection, d: Buffer): AnswerStep {
  const step: AnswerStep = { accepted: false, refusalStarted: false, refusalComplete: false, bad: null };
  c.buf = c.buf.length === 0 ? d : Buffer.concat([c.buf, d]);
  if (c.refusal) {
    step.refusalComplete = c.buf.length >= c.refusal.contentLength;
    return step;
  }
  for (;;) {
    let head;
    try {
      head = parseResponseHead(c.buf);
    } catch (err) {
      if (c.phase === "streaming") c.buf = Buffer.alloc(0);
      else step.bad = (err as Error).message;
      return step;
    }
    if (!head) {
      if (c.buf.length > MAX_HEAD) {
        if (c.phase === "streaming") c.buf = Buffer.alloc(0);
        else step.bad = "response head too long";
      }
      return step;
    }
    c.buf = c.buf.subarray(head.length);
    if (head.status >= 100 && head.status < 300) {
      if (c.phase === "handshake") {
        c.phase = "streaming";
        step.accepted = true;
      }
      continue;
    }
    const len = Number(head.headers["content-length"]);
    c.refusal = {
      status: head.status,
      reason: head.reason,
      contentLength: Number.isFinite(len) ? len : Infinity,
    };
    step.refusalStarted = true;
    step.refusalComplete = c.buf.length >= c.refusal.contentLength;
    return step;
  }
}

/** The server's refusal in words, with the start of its body (e.g. "Mountpoint in use"). */
export function refusalText(c: Connection): string {
  const r = c.refusal!;
  return describeRefusal(r.status, r.reason, c.buf.subarray(0, 1024).toString("utf8"));
}

/** A socket error in the words an engineer looks for. */
export function socketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return `connection refused (${err.message})`;
    case "ECONNRESET":
      return "connection reset by the server";
    case "EPIPE":
      return "server closed the connection";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `cannot resolve host (${err.message})`;
    default:
      // Certificate and handshake failures (ERR_TLS_*, *_CERT_*, ERR_SSL_*) say so.
      return /TLS|SSL|CERT/.test(err.code ?? "") ? `TLS: ${err.message}` : err.message;
  }
}
