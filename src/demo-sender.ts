import type { Logger } from "pino";
import type { Clock } from "./clock/clock.js";
import { Supervised } from "./process/supervisor.js";

/**
 * A test sender: ffmpeg generating a programme-like signal and sending it as MPEG-TS
 * (AAC) over SRT in caller mode, as a studio encoder would. Restarted if it dies.
 */
export function testSender(opts: {
  name: string;
  target: string;
  frequencyHz: number;
  log: Logger;
  clock: Clock;
  ffmpeg?: string;
}): Supervised {
  const { name, target, frequencyHz } = opts;
  // beep_factor: a short beep once a second, so a switch between paths is easy to hear.
  const args = [
    "-hide_banner",
    "-nostats",
    "-loglevel",
    "error",
    "-re",
    "-f",
    "lavfi",
    "-i",
    `sine=frequency=${frequencyHz}:beep_factor=2:sample_rate=48000`,
    "-ac",
    "2",
    "-c:a",
    "aac",
    "-b:a",
    "128k",
    "-f",
    "mpegts",
    "-mpegts_flags",
    "resend_headers",
    `srt://${target}?mode=caller&latency=120000&pkt_size=1316`,
  ];
  return new Supervised(
    {
      name: `sender:${name}`,
      command: opts.ffmpeg ?? "ffmpeg",
      args,
      initialBackoffMs: 500,
      maxBackoffMs: 5000,
    },
    opts.log,
    opts.clock,
  );
}
