/**
 * Issue 2 benchmark: CPU and peak RSS of a running channel (daemon + its ffmpeg children)
 * with 3 AAC profiles (32k/96k/192k) and 1 MP3 profile (128k) from a tone, next to ONE
 * plain ffmpeg doing the same 4 encodes from a tone at real time, in the same run.
 *
 *   node dist/bench/channel-cpu.js            (BENCH_SECONDS=60 by default)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { measure, type Usage } from "./proc-stats.js";
import { NODE_FLAGS } from "../src/node-flags.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP = 8;
const CLI = fileURLToPath(new URL("../src/cli.js", import.meta.url));

function channelFile(dir: string, port: number): string {
  const file = join(dir, "bench.yaml");
  writeFileSync(
    file,
    `channel: bench
audio: { sampleRate: 48000, channels: 2 }
inputs:
  - id: tone
    tone: { frequencyHz: 1000 }
profiles:
  lofi: { codec: aac, bitrate: 32k }
  midfi: { codec: aac, bitrate: 96k }
  hifi: { codec: aac, bitrate: 192k }
  mp3: { codec: mp3, bitrate: 128k }
outputs:
  hls: { dir: ./hls, segmentSec: 4, windowSegments: 15, profiles: [lofi, midfi, hifi, mp3] }
api: { listen: "127.0.0.1:${port}" }
`,
  );
  return file;
}

function plainFfmpeg(dir: string): ChildProcess {
  const out = (n: string) => join(dir, n);
  return spawn(
    "ffmpeg",
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-re",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=1000:sample_rate=48000",
      "-filter_complex",
      "[0:a]aformat=channel_layouts=stereo,asplit=4[a][b][c][d]",
      "-map",
      "[a]",
      "-c:a",
      "aac",
      "-b:a",
      "32k",
      "-f",
      "adts",
      "-y",
      out("a.aac"),
      "-map",
      "[b]",
      "-c:a",
      "aac",
      "-b:a",
      "96k",
      "-f",
      "adts",
      "-y",
      out("b.aac"),
      "-map",
      "[c]",
      "-c:a",
      "aac",
      "-b:a",
      "192k",
      "-f",
      "adts",
      "-y",
      out("c.aac"),
      "-map",
      "[d]",
      "-c:a",
      "libmp3lame",
      "-b:a",
      "128k",
      "-f",
      "mp3",
      "-y",
      out("d.mp3"),
    ],
    { stdio: "ignore" },
  );
}

async function run(
  name: string,
  child: ChildProcess,
): Promise<{ self: Usage; total: Usage; processes: number }> {
  const guard = setTimeout(() => child.kill("SIGKILL"), (SECONDS + WARMUP + 30) * 1000);
  try {
    await new Promise((r) => setTimeout(r, WARMUP * 1000));
    if (child.exitCode !== null) throw new Error(`${name} exited early`);
    return await measure(child.pid!, SECONDS);
  } finally {
    clearTimeout(guard);
    child.kill("SIGTERM");
    await new Promise((r) => child.once("close", r));
  }
}

const fmt = (u: Usage) => `${u.cpuPct.toFixed(2)} % CPU, ${u.peakRssMiB.toFixed(0)} MiB peak RSS`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "antenne-bench-"));
  const port = 20000 + Math.floor(Math.random() * 10000);
  console.log(
    `# channel CPU benchmark: ${SECONDS} s per run after ${WARMUP} s warm-up, ${new Date().toISOString()}`,
  );
  const ff = await run("ffmpeg", plainFfmpeg(dir));
  console.log(`plain ffmpeg, 4 encodes:        ${fmt(ff.total)}`);
  const daemon = spawn("node", [...NODE_FLAGS, CLI, "run", channelFile(dir, port)], { stdio: "ignore" });
  const ch = await run("antenne", daemon);
  console.log(`antenne channel (${ch.processes} processes): ${fmt(ch.total)}`);
  console.log(`  daemon process alone:         ${fmt(ch.self)}`);
  console.log(`ratio channel/ffmpeg CPU: ${(ch.total.cpuPct / ff.total.cpuPct).toFixed(2)} (target ≤ 1.10)`);
  console.log(`ratio channel/ffmpeg RSS: ${(ch.total.peakRssMiB / ff.total.peakRssMiB).toFixed(2)}`);
  console.log(
    `daemon alone: ${ch.self.cpuPct.toFixed(2)} % of one core (target < 3), ${ch.self.peakRssMiB.toFixed(0)} MiB (target < 100)`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
