import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { buildApi } from "./api/server.js";
import { Channel } from "./channel.js";
import type { ChannelConfig } from "./config/load.js";
import { createMetrics } from "./metrics/channel-metrics.js";
import { FileStateStore } from "./state/state-store.js";

export interface Daemon {
  channel: Channel;
  api: FastifyInstance;
  /** The address the API listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  close(): Promise<void>;
}

/** Builds and starts one channel with its API; `close()` shuts down API → channel. */
export async function startDaemon(config: ChannelConfig, log: Logger): Promise<Daemon> {
  const state = new FileStateStore(config.switcher.statePath, log.child({ component: "state" }));
  const channel = new Channel({ config, log, state });
  const registry = createMetrics(channel);
  const api = buildApi({
    view: channel,
    registry,
    token: config.api.token,
    hlsDir: config.outputs.hls && config.api.serveHls ? config.outputs.hls.dir : null,
  });
  channel.start();
  const sep = config.api.listen.lastIndexOf(":");
  const host = config.api.listen.slice(0, sep).replace(/^\[|\]$/g, "");
  const port = Number(config.api.listen.slice(sep + 1));
  let url: string;
  try {
    url = await api.listen({ host, port });
  } catch (err) {
    await channel.close();
    throw err;
  }
  log.info({ url }, "API listening");
  let closing: Promise<void> | null = null;
  return {
    channel,
    api,
    url,
    close: () =>
      (closing ??= (async () => {
        await api.close().catch(() => undefined);
        await channel.close();
      })()),
  };
}
