/**
 * Issue 3 benchmark: what the SRT path (libsrt receive → decoder stdin → PCM → input buffer)
 * costs in the daemon process. One channel with 3 SRT listener inputs and one HLS profile,
 * measured with no sender connected, then with 3 senders connected at ~1.5 Mbit/s each
 * (WAV s16le 48 kHz stereo = 1.536 Mbit/s, as Liquidsoap sends it). Prints, asserts nothing.
 *
 *   node dist/bench/srt-cpu.js            (BENCH_SECONDS=30 per phase by default)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { measure } from "./lib/proc-stats.js";
import { NODE_FLAGS } from "../src/node-flags.js";
import { freeTcpPort, freeUdpPort } from "../test/helpers/ports.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const WARMUP = 8;
const INPUTS = 3;
const CLI = fileURLToPath(new URL("../src/cli.js", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function channelFile(dir: string, api: number, ports: number[]): string {
  const file = join(dir, "bench.yaml");
  const inputs = ports
    .map((p, i) => `  - id: srt${i + 1}\n    srt: { mode: listener, bind: "127.0.0.1:${p}", latencyMs: 120 }`)
    .join("\n");
  writeFileSync(
    file,
    `channel: srtbench
audio: { sampleRate: 48000, channels: 2 }
inputs:
${inputs}
switcher: { silence: { minNoiseSec: 0.2 } }
profiles:
  midfi: { codec: aac, bitrate: 96k }
outputs:
  hls: { dir: ./hls, segmentSec: 4, windowSegments: 5, profiles: [midfi] }
api: { listen: "127.0.0.1:${api}" }
`,
  );
  return file;
}

function wavSender(port: number, freq: number): ChildProcess {
  return spawn(
    "ffmpeg",
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-nostdin",
      "-re",
      "-f",
      "lavfi",
      "-i",
      `sine=f=${freq}:sample_rate=48000`,
      "-af",
      "pan=stereo|c0=c0|c1=c0",
      "-c:a",
      "pcm_s16le",
      "-f",
      "wav",
      `srt://127.0.0.1:${port}?mode=caller&latency=120000`,
    ],
    { stdio: "ignore" },
  );
}

interface Status {
  inputs: { id: string; state: string; available: boolean; srt: { receiveRateKbps: number } | null }[];
}

/**
 * The daemon's own event-loop lag: how late the program clock's ticks ran, quantiles over
 * the last minute (antenne_eventloop_lag_*_seconds).
 */
async function scrape(api: number): Promise<{ lagP99Ms: number; lagMaxMs: number }> {
  const text = await (await fetch(`http://127.0.0.1:${api}/metrics`)).text();
  const v = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
  return {
    lagP99Ms: v("antenne_eventloop_lag_p99_seconds") * 1000,
    lagMaxMs: v("antenne_eventloop_lag_max_seconds") * 1000,
  };
}

async function phase(daemon: ChildProcess, api: number) {
  const usage = await measure(daemon.pid!, SECONDS);
  const lag = await scrape(api);
  return { ...usage, ...lag };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "antenne-srt-bench-"));
  const api = await freeTcpPort();
  const ports = await Promise.all(Array.from({ length: INPUTS }, () => freeUdpPort()));
  console.log(
    `# SRT input CPU benchmark: ${SECONDS} s per phase after ${WARMUP} s warm-up, ${new Date().toISOString()}`,
  );
  const daemon = spawn("node", [...NODE_FLAGS, CLI, "run", channelFile(dir, api, ports)], {
    stdio: "ignore",
  });
  const senders: ChildProcess[] = [];
  const guard = setTimeout(
    () => {
      for (const c of [daemon, ...senders]) c.kill("SIGKILL");
    },
    (2 * (SECONDS + WARMUP) + 60) * 1000,
  );
  try {
    await sleep(WARMUP * 1000);
    const idle = await phase(daemon, api);
    ports.forEach((p, i) => senders.push(wavSender(p, 440 + 110 * i)));
    await sleep(WARMUP * 1000);
    const st = (await (await fetch(`http://127.0.0.1:${api}/api/v1/status`)).json()) as Status;
    const connected = st.inputs.filter((i) => i.state === "connected" && i.available);
    const kbps = connected.map((i) => Math.round(i.srt?.receiveRateKbps ?? 0));
    const busy = await phase(daemon, api);
    const perInput = (busy.self.cpuPct - idle.self.cpuPct) / INPUTS;
    const decoders = busy.total.cpuPct - busy.self.cpuPct - (idle.total.cpuPct - idle.self.cpuPct);
    const row = (name: string, p: typeof idle) =>
      `${name} daemon ${p.self.cpuPct.toFixed(2)} % CPU, ${p.self.peakRssMiB.toFixed(0)} MiB; ` +
      `whole channel ${p.total.cpuPct.toFixed(2)} % (${p.processes} processes); ` +
      `event-loop lag p99 ${p.lagP99Ms.toFixed(1)} ms, max ${p.lagMaxMs.toFixed(1)} ms (last minute of program ticks)`;
    console.log(row("no sender:          ", idle));
    console.log(row(`${connected.length} senders connected:`, busy));
    console.log(`SRT receive rate per input: ${kbps.join(", ")} kbit/s`);
    console.log(
      `SRT + decode + buffer in the daemon process: ${perInput.toFixed(2)} % of one core per input (target < 1 %)`,
    );
    console.log(
      `ffmpeg decoders (child processes): ${(decoders / INPUTS).toFixed(2)} % of one core per input`,
    );
    console.log(
      `event-loop lag p99 with ${connected.length} inputs: ${busy.lagP99Ms.toFixed(1)} ms (target < 10 ms)`,
    );
    if (connected.length !== INPUTS)
      console.log(`WARNING: only ${connected.length} of ${INPUTS} inputs connected`);
  } finally {
    clearTimeout(guard);
    for (const s of senders) s.kill("SIGKILL");
    daemon.kill("SIGTERM");
    await new Promise((r) => daemon.once("close", r));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
