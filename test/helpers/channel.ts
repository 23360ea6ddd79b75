import { join } from "node:path";
import { parseChannel, type ChannelConfig } from "../../src/config/load.js";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import { createLogger, silentLogger } from "../../src/log.js";
import { freeTcpPort } from "./ports.js";
import { systemClock } from "../../src/clock/clock.js";

export { tempDir } from "./temp.js";

/** Builds a channel config from YAML text written relative to `dir` (the channel file's folder). */
export function channelConfig(yaml: string, dir: string, env: Record<string, string> = {}): ChannelConfig {
  return parseChannel(yaml, join(dir, "channel.yaml"), env);
}

/** Starts a daemon in-process on a free API port; logs go nowhere unless ANTENNE_TEST_LOG is set. */
export async function startTestDaemon(yaml: (apiPort: number) => string, dir: string): Promise<Daemon> {
  const port = await freeTcpPort();
  const cfg = channelConfig(yaml(port), dir);
  const log = process.env.ANTENNE_TEST_LOG
    ? createLogger({ channel: cfg.channel, level: process.env.ANTENNE_TEST_LOG })
    : silentLogger();
  return startDaemon(cfg, log, systemClock);
}
