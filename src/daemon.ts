import type { Logger } from "pino";
import { buildApi, type Api } from "./api/server.js";
import { Channel } from "./channel/channel.js";
import type { Clock } from "./clock/clock.js";
import type { ChannelConfig } from "./config/load.js";
import { ErrorReporter } from "./errors/reporter.js";
import { createMetrics } from "./metrics/channel-metrics.js";
import { hlsGateOf } from "./output/hls/index.js";
import { createRuntime, type Runtime } from "./runtime.js";
import { FileStateStore } from "./state/state-store.js";

export interface Daemon {
  channel: Channel;
  api: Api;
  /** The address the API listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  close(): Promise<void>;
}

/**
 * Builds and starts one channel with its API; `close()` shuts down API → channel. A `Runtime`
 * (clock, SRT reactor) may be shared by several channels of one process.
 */
export async function startDaemon(
  config: ChannelConfig,
  log: Logger,
  clockOrRuntime: Clock | Runtime,
): Promise<Daemon> {
  // A runtime of its own serves this one channel, whose program tick reads every SRT input.
  const runtime =
    "srtReactor" in clockOrRuntime ? clockOrRuntime : createRuntime(clockOrRuntime, log, { srtDriven: true });
  const errors = new ErrorReporter(log, runtime.clock);
  const state = new FileStateStore(config.switcher.statePath, log.child({ component: "state" }), errors);
  const channel = new Channel({ config, log, state, runtime, errors });
  const registry = createMetrics(channel, runtime.clock);
  channel.registerOutputMetrics(registry);
  const api = buildApi({
    view: channel,
    registry,
    token: config.api.token,
    hlsDir: config.outputs.hls && config.api.serveHls ? config.outputs.hls.dir : null,
    hlsGate: hlsGateOf(channel.outputs),
    clock: runtime.clock,
    listenersUrl: config.api.listenersUrl,
  });
  channel.start();
  const sep = config.api.listen.lastIndexOf(":");
  const host = config.api.listen.slice(0, sep).replace(/^\[|\]$/g, "");
  const port = Number(config.api.listen.slice(sep + 1));
  let url: string;
  try {
    url = await api.listen({ host, port });
  } catch (err) {
    errors.report("ANTENNE_API_LISTEN_FAILED", { err, listen: config.api.listen });
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
