import { pino, type Logger } from "pino";

/** Root logger: JSON lines on stdout, human-readable with `pretty` (or a TTY). */
export function createLogger(opts: { channel?: string; pretty?: boolean; level?: string } = {}): Logger {
  const pretty = opts.pretty ?? process.stdout.isTTY === true;
  const base = opts.channel ? { channel: opts.channel } : {};
  const level = opts.level ?? process.env.ANTENNE_LOG_LEVEL ?? "info";
  if (pretty) {
    return pino({ level, base, transport: { target: "pino-pretty", options: { colorize: true } } });
  }
  return pino({ level, base });
}

/** A logger that drops everything, for tests that don't look at logs. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
