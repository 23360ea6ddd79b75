/**
 * Log lines in, listener table updated, every line accounted for by source and result.
 * Bad lines are counted and logged (aggregated: one warning per source per 10 s with the count
 * and the last reason), never thrown.
 */
import type { Logger } from "pino";
import { clientKey, type ListenerTable } from "./listener-table.js";
import { classify } from "./log-line.js";

export type LineSource = "syslog" | "http";
/** counted: a listener's fetch; shed: its client could not be tracked (table full); late: older
 * than the window; ignored: not a media fetch (master playlist, other files, errors);
 * unknown_channel: a media fetch of a channel not configured; invalid: not a log line. */
export const LINE_RESULTS = ["counted", "shed", "late", "ignored", "unknown_channel", "invalid"] as const;
export type LineResult = (typeof LINE_RESULTS)[number];

export class Ingest {
  readonly lines: Record<LineSource, Record<LineResult, number>> = {
    syslog: zeroes(),
    http: zeroes(),
  };
  private readonly warned: Record<LineSource, { atMs: number; since: number; last: string }> = {
    syslog: { atMs: -Infinity, since: 0, last: "" },
    http: { atMs: -Infinity, since: 0, last: "" },
  };

  constructor(
    private readonly table: ListenerTable,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  line(text: string, source: LineSource): LineResult {
    const v = classify(text);
    let r: LineResult;
    if (v.kind === "invalid") {
      r = "invalid";
      this.warn(source, v.reason, text);
    } else if (v.kind === "ignored") r = "ignored";
    else if (!this.table.has(v.channel)) r = "unknown_channel";
    else r = this.table.touch(v.channel, clientKey(v.line.addr, v.line.ua), v.line.tsMs, this.now());
    this.lines[source][r]++;
    return r;
  }

  /** A line that could not even be framed (overlong, no syslog header). */
  bad(source: LineSource, reason: string): void {
    this.lines[source].invalid++;
    this.warn(source, reason, "");
  }

  private warn(source: LineSource, reason: string, text: string): void {
    const w = this.warned[source];
    w.since++;
    w.last = `${reason}${text ? `: ${text.slice(0, 120)}` : ""}`;
    const now = this.now();
    if (now - w.atMs < 10_000) return;
    this.log.warn({ source, count: w.since, last: w.last }, `${w.since} invalid log line(s)`);
    w.atMs = now;
    w.since = 0;
  }
}

function zeroes(): Record<LineResult, number> {
  return { counted: 0, shed: 0, late: 0, ignored: 0, unknown_channel: 0, invalid: 0 };
}
