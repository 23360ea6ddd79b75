/** antenne on a bench shape: `node NODE_FLAGS dist/src/cli.js run channel.yaml`, as the bin runs it. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChannelStatus } from "../../src/channel/view.js";
import { NODE_FLAGS } from "../../src/node-flags.js";
import { freeTcpPort } from "../../test/helpers/ports.js";
import { until } from "../../test/helpers/proc.js";
import type { Job, JobHealth } from "./job.js";
import { LADDER, WATCHED, inputLabels, type JobPlan } from "./shape.js";
import { SENDER_RATE } from "./senders.js";
import { Spawned } from "./spawned.js";

const CLI = fileURLToPath(new URL("../../src/cli.js", import.meta.url));
const CHANNEL = "bench";

/** The channel file (pure): defaults everywhere but the shape; program at the senders' rate. */
export function antenneYaml(plan: JobPlan, apiPort: number): string {
  const labels = inputLabels(plan.shape);
  const inputs = labels.map(
    (id, i) => `  - id: ${id}\n    srt: { mode: listener, bind: "127.0.0.1:${plan.ports[i]}" }`,
  );
  const profiles = LADDER.map((p) => `  ${p.name}: { codec: aac, bitrate: ${p.bitrate} }`);
  const ice = plan.ice && plan.shape.icecast;
  const mounts = ice
    ? `\n    - { id: ice-aac, url: "${plan.ice!.sourceUrl(`${plan.tag}.aac`)}", profile: hifi }` +
      `\n    - { id: ice-mp3, url: "${plan.ice!.sourceUrl(`${plan.tag}.mp3`)}", profile: mp3 }`
    : " []";
  return `channel: ${CHANNEL}
audio: { sampleRate: ${SENDER_RATE}, channels: 2 }
inputs:
${inputs.join("\n")}
  - id: safety
    tone: { frequencyHz: 1000 }
profiles:
${profiles.join("\n")}
  mp3: { codec: mp3, bitrate: 128k }
outputs:
  hls: { dir: ./hls, segmentSec: ${plan.shape.segmentSec}, windowSegments: 5, profiles: [${LADDER.map((p) => p.name).join(", ")}] }
  icecast:${mounts}
api: { listen: "127.0.0.1:${apiPort}" }
`;
}

/** Prometheus text → the sum of every sample of `name` (any labels). */
export function metricSum(text: string, name: string): number {
  let sum = NaN;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm")))
    sum = (Number.isNaN(sum) ? 0 : sum) + Number(m[1]);
  return sum;
}

export async function startAntenne(
  plan: JobPlan,
  maxLifetimeMs: number,
  extraNodeArgs: string[] = [],
  cli = CLI,
  env: Record<string, string> = {},
): Promise<Job> {
  const api = await freeTcpPort();
  const file = join(plan.dir, "channel.yaml");
  writeFileSync(file, antenneYaml(plan, api));
  const proc = new Spawned("node", [...NODE_FLAGS, ...extraNodeArgs, cli, "run", file], {
    logFile: join(plan.dir, "antenne.log"),
    cwd: plan.dir,
    maxLifetimeMs,
    env: { ...process.env, ...env },
  });
  const base = `http://127.0.0.1:${api}`;
  const status = async () => (await (await fetch(`${base}/api/v1/status`)).json()) as ChannelStatus;
  await until(
    async () => {
      if (proc.exited) throw new Error(`antenne exited at start (see ${plan.dir}/antenne.log)`);
      return status().then(
        () => true,
        () => false,
      );
    },
    20_000,
    "antenne's API",
    100,
  );
  return {
    name: cli === CLI ? "antenne" : `antenne (${cli})`,
    pid: proc.pid,
    playlist: join(plan.dir, "hls", `${CHANNEL}_${WATCHED}.m3u8`),
    metricsUrl: `${base}/metrics`,
    mounts: plan.ice && plan.shape.icecast ? [`/${plan.tag}.aac`, `/${plan.tag}.mp3`] : [],
    onAir: async () => (await status().catch(() => null))?.active ?? null,
    health: async (): Promise<JobHealth> => {
      try {
        const [st, metrics] = await Promise.all([status(), fetch(`${base}/metrics`).then((r) => r.text())]);
        const active = st.inputs.find((i) => i.id === st.active);
        return {
          lagP99Ms: metricSum(metrics, "antenne_eventloop_lag_p99_seconds") * 1000,
          concealedMs: active?.timing?.concealedMs ?? 0,
          delayMs: active?.targetDelayMs,
          bufferedMs: active?.bufferMs,
          clockSlips: st.program.clockReanchors,
          switches: metricSum(metrics, "antenne_switches_total"),
        };
      } catch {
        return {};
      }
    },
    stop: () => proc.stop(),
    get exited() {
      return proc.exited;
    },
  };
}
