import { fileURLToPath } from "node:url";
import { systemClock } from "./clock/clock.js";
import { waitForSignal } from "./signals.js";
import { loadChannelFile } from "./config/load.js";
import { startDaemon } from "./daemon.js";
import { testSender } from "./demo-sender.js";
import { createLogger } from "./log.js";

const DEMO = fileURLToPath(new URL("../../channels/demo.yaml", import.meta.url));

/** `antenne demo`: the demo channel with its two built-in SRT senders. */
export async function runDemo(pretty: boolean | undefined): Promise<number> {
  const config = loadChannelFile(DEMO);
  const log = createLogger({ channel: config.channel, pretty });
  const daemon = await startDaemon(config, log, systemClock);
  const senders = config.inputs.flatMap((i, k) =>
    "srt" in i && i.srt.mode === "listener"
      ? [
          testSender({
            name: i.id,
            target: i.srt.bind,
            frequencyHz: k === 0 ? 440 : 660,
            log: log.child({ sender: i.id }),
            clock: systemClock,
          }),
        ]
      : [],
  );
  for (const s of senders) s.start();
  const hls = `${daemon.url}/hls/${config.channel}.m3u8`;
  console.error(
    [
      "",
      `  antenne demo channel "${config.channel}" is running.`,
      `  status page:   ${daemon.url}/`,
      `  listen (HLS):  ffplay ${hls}   (or VLC, or the player on the status page)`,
      `  status JSON:   curl ${daemon.url}/api/v1/status`,
      `  metrics:       curl ${daemon.url}/metrics`,
      `  switch:        curl -X POST -H 'content-type: application/json' -d '{"input":"backup"}' ${daemon.url}/api/v1/switch`,
      `  test senders:  main ${senders[0]?.pid ?? "?"} (440 Hz), backup ${senders[1]?.pid ?? "?"} (660 Hz): kill -9 the main one to hear the fallback`,
      "  Ctrl-C stops.",
      "",
    ].join("\n"),
  );
  return waitForSignal(log, systemClock, async () => {
    await Promise.all(senders.map((s) => s.close()));
    await daemon.close();
  });
}
