/**
 * Issue 2 benchmark: CPU and peak RSS of a running channel (daemon + its ffmpeg children)
 * with 3 AAC profiles (32k/96k/192k) and 1 MP3 profile (128k) from a tone, next to ONE
 * plain ffmpeg doing the same 4 encodes from a tone at real time, in the same run.
 *
 *   node dist/bench/channel-cpu.js     (BENCH_SECONDS=30 BENCH_ROUNDS=3 by default)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { measure, type Usage } from "./lib/proc-stats.js";
import { NODE_FLAGS } from "../src/node-flags.js";
import { freeTcpPort } from "../test/helpers/ports.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
/** Rounds of (ffmpeg, antenne), interleaved so that drifts of a shared machine hit both alike. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
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
): Promise<{ self: Usage; total: Usage; processes: number; hwmMiB: number }> {
  const guard = setTimeout(() => child.kill("SIGKILL"), (SECONDS + WARMUP + 30) * 1000);
  try {
    await new Promise((r) => setTimeout(r, WARMUP * 1000));
    if (child.exitCode !== null) throw new Error(`${name} exited early`);
    const usage = await measure(child.pid!, SECONDS);
    return { ...usage, hwmMiB: hwm(child.pid!) };
  } finally {
    clearTimeout(guard);
    child.kill("SIGTERM");
    await new Promise((r) => child.once("close", r));
  }
}

/** The process's high-water RSS since it started (start-up included), MiB. */
function hwm(pid: number): number {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const f2 = (x: number) => x.toFixed(2);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "antenne-bench-"));
  console.log(
    `# channel CPU benchmark: ${ROUNDS} rounds of (plain ffmpeg, antenne), ${SECONDS} s each after ` +
      `${WARMUP} s warm-up, ${new Date().toISOString()}`,
  );
  console.log(
    "round | plain ffmpeg % | channel % | daemon % | encoder % | ratio | daemon RSS MiB (peak / HWM) | channel RSS MiB",
  );
  const rows: {
    ff: number;
    ch: number;
    daemon: number;
    ratio: number;
    rss: number;
    hwm: number;
    chRss: number;
    ffRss: number;
  }[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const ff = await run("ffmpeg", plainFfmpeg(dir));
    const port = await freeTcpPort();
    const daemon = spawn("node", [...NODE_FLAGS, CLI, "run", channelFile(dir, port)], { stdio: "ignore" });
    const ch = await run("antenne", daemon);
    const row = {
      ff: ff.total.cpuPct,
      ch: ch.total.cpuPct,
      daemon: ch.self.cpuPct,
      ratio: ch.total.cpuPct / ff.total.cpuPct,
      rss: ch.self.peakRssMiB,
      hwm: ch.hwmMiB,
      chRss: ch.total.peakRssMiB,
      ffRss: ff.total.peakRssMiB,
    };
    rows.push(row);
    console.log(
      `${r} | ${f2(row.ff)} | ${f2(row.ch)} | ${f2(row.daemon)} | ${f2(row.ch - row.daemon)} | ${f2(row.ratio)} | ` +
        `${row.rss.toFixed(0)} / ${row.hwm.toFixed(0)} | ${row.chRss.toFixed(0)}`,
    );
  }
  const col = (k: keyof (typeof rows)[number]) => rows.map((x) => x[k]);
  console.log(
    `median: plain ffmpeg ${f2(median(col("ff")))} %, channel ${f2(median(col("ch")))} %, ` +
      `daemon ${f2(median(col("daemon")))} %; plain ffmpeg RSS ${Math.max(...col("ffRss")).toFixed(0)} MiB`,
  );
  console.log(
    `ratio channel/ffmpeg CPU: median ${f2(median(col("ratio")))}, range ${f2(Math.min(...col("ratio")))}–${f2(Math.max(...col("ratio")))} (target ≤ 1.10)`,
  );
  console.log(
    `daemon alone: median ${f2(median(col("daemon")))} % of one core (target < 3), ` +
      `RSS peak while running ${Math.max(...col("rss")).toFixed(0)} MiB, high-water mark incl. start-up ${Math.max(...col("hwm")).toFixed(0)} MiB (target < 100 MB); ` +
      `whole channel ${Math.max(...col("chRss")).toFixed(0)} MiB (SPEC ≤ 150)`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
