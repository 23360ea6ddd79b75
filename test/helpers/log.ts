/** A pino logger that keeps its JSON lines in memory, for assertions on what was logged. */
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";

export type LogLine = Record<string, unknown> & { level: number; msg: string };

export function captureLogger(level = "debug"): { log: Logger; lines: () => LogLine[] } {
  const out: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim()) out.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  // Synchronous enough for tests: pino writes each line to the stream as it is logged.
  return { log: pino({ level }, sink), lines: () => [...out] };
}
