/**
 * Reports catalogued errors: one log line per occurrence, folded when a code repeats on one
 * component ("N more in 1 s, last: …", mediamtx-style), a count per code, and an event for the
 * channel's event stream. Never throws.
 */
import type { Logger } from "pino";
import type { Clock } from "../clock/clock.js";
import { ERRORS, ERROR_CODES, type ErrorCode } from "./catalogue.js";

export interface ErrorFields {
  input?: string;
  output?: string;
  profile?: string;
  err?: unknown;
  [field: string]: unknown;
}

export interface ErrorReport {
  code: ErrorCode;
  message: string;
  fields: ErrorFields;
}

const WINDOW_MS = 1000;

interface Fold {
  windowEnd: number;
  suppressed: number;
  last: ErrorFields | null;
}

export class ErrorReporter {
  private readonly counts = new Map<ErrorCode, number>(ERROR_CODES.map((c) => [c, 0]));
  private readonly folds = new Map<string, Fold>();
  private readonly listeners = new Set<(r: ErrorReport) => void>();

  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  report(code: ErrorCode, fields: ErrorFields = {}): void {
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
    const spec = ERRORS[code];
    const key = `${code}\u0000${fields.input ?? ""}\u0000${fields.output ?? ""}\u0000${fields.profile ?? ""}`;
    const now = this.clock.monoMs();
    const fold = this.folds.get(key);
    if (fold && now < fold.windowEnd) {
      fold.suppressed++;
      fold.last = fields;
    } else {
      this.write(code, fields, spec.message);
      const f: Fold = { windowEnd: now + WINDOW_MS, suppressed: 0, last: null };
      this.folds.set(key, f);
      this.clock.timeout(() => this.flush(key, code, f), WINDOW_MS, { unref: true });
    }
    const r: ErrorReport = { code, message: spec.message, fields };
    for (const fn of this.listeners) {
      try {
        fn(r);
      } catch (err) {
        this.log.error(
          { err, code: "ANTENNE_EVENT_LISTENER_THREW" },
          ERRORS.ANTENNE_EVENT_LISTENER_THREW.message,
        );
      }
    }
  }

  /** Occurrences so far, every code present (antenne_errors_total). */
  totals(): ReadonlyMap<ErrorCode, number> {
    return this.counts;
  }

  count(code: ErrorCode): number {
    return this.counts.get(code) ?? 0;
  }

  onReport(fn: (r: ErrorReport) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private flush(key: string, code: ErrorCode, f: Fold): void {
    if (this.folds.get(key) === f) this.folds.delete(key);
    if (f.suppressed === 0 || !f.last) return;
    this.write(
      code,
      { ...f.last, repeats: f.suppressed },
      `${ERRORS[code].message} (${f.suppressed} more in 1 s)`,
    );
  }

  private write(code: ErrorCode, fields: ErrorFields, message: string): void {
    const level = ERRORS[code].level;
    this.log[level]({ ...fields, code }, message);
  }
}
