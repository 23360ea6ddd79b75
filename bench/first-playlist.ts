/**
 * SPEC §8: the first HLS playlist is out ≤ segmentSec + 1 s after start (Liquidsoap 2.1.3:
 * 3.9 s with 2 s segments). Starts `antenne run` (as the bin does) on a tone channel with the
 * SPEC's HLS ladder (AAC 32k/96k/192k, 2 s segments) BENCH_REPS times, and reports the time
 * from spawn to the first media playlist listing a segment, for every variant.
 *
 *   node dist/bench/first-playlist.js          (BENCH_REPS=5 by default)
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NODE_FLAGS } from "../src/node-flags.js";
import { freeTcpPort } from "../test/helpers/ports.js";

const REPS = Number(process.env.BENCH_REPS ?? 5);
const SEGMENT_SEC = 2;
const PROFILES = ["lofi", "midfi", "hifi"];
const CLI = fileURLToPath(new URL("../src/cli.js", import.meta.url));

function channelFile(dir: string, port: number): string {
  const file = join(dir, "first.yaml");
  writeFileSync(
    file,
    `channel: first
inputs:
  - id: tone
    tone: { frequencyHz: 1000 }
profiles:
  lofi: { codec: aac, bitrate: 32k }
  midfi: { codec: aac, bitrate: 96k }
  hifi: { codec: aac, bitrate: 192k }
outputs:
  hls: { dir: ./hls, segmentSec: ${SEGMENT_SEC}, windowSegments: 5, profiles: [${PROFILES.join(", ")}] }
api: { listen: "127.0.0.1:${port}" }
`,
  );
  return file;
}

const listsSegment = (path: string) => existsSync(path) && readFileSync(path, "utf8").includes("#EXTINF:");

async function once(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "antenne-first-"));
  const port = await freeTcpPort();
  const t0 = performance.now();
  const child = spawn("node", [...NODE_FLAGS, CLI, "run", channelFile(dir, port)], {
    stdio: "ignore",
    cwd: dir,
  });
  const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    const paths = PROFILES.map((p) => join(dir, "hls", `first_${p}.m3u8`));
    while (!paths.every(listsSegment)) {
      if (child.exitCode !== null) throw new Error("daemon exited");
      if (performance.now() - t0 > 20_000) throw new Error("no playlist within 20 s");
      await new Promise((r) => setTimeout(r, 10));
    }
    return performance.now() - t0;
  } finally {
    clearTimeout(guard);
    child.kill("SIGTERM");
    await new Promise((r) => child.once("close", r));
  }
}

async function main(): Promise<void> {
  console.log(
    `# first HLS playlist after start: ${REPS} starts, ${SEGMENT_SEC} s segments, ${new Date().toISOString()}`,
  );
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const ms = await once();
    times.push(ms);
    console.log(
      `start ${i + 1}: every variant's playlist lists a segment ${(ms / 1000).toFixed(2)} s after spawn`,
    );
  }
  const s = [...times].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  console.log(
    `median ${(median / 1000).toFixed(2)} s, max ${(s[s.length - 1]! / 1000).toFixed(2)} s ` +
      `(target ≤ segmentSec + 1 = ${SEGMENT_SEC + 1} s; Liquidsoap 2.1.3: 3.9 s, SPEC §8)`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
