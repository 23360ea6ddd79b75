/**
 * Issue 5 benchmark: what an Icecast mount costs a running channel (daemon + its ffmpeg
 * children), with a private icecast2 on loopback started here:
 *   (a) HLS with hifi (AAC 192k) only;
 *   (b) (a) + an Icecast mount on hifi: the frames HLS already encodes, no extra encode;
 *   (c) (a) + an Icecast mount on a NEW mp3 profile (128k): one more encode in the ffmpeg.
 * Runs are interleaved (a b c a b c …) so slow drifts of a shared machine hit all three alike;
 * the cost printed is the mean of each configuration minus the mean of (a), in % of one core.
 *
 *   node dist/bench/icecast-cost.js          (BENCH_SECONDS=30 per run, BENCH_ROUNDS=3)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseIcecastStats } from "../src/output/icecast/stats.js";
import { IcecastServer } from "../test/helpers/icecast-server.js";
import { measure } from "./lib/proc-stats.js";
import { NODE_FLAGS } from "../src/node-flags.js";
import { freeTcpPort } from "../test/helpers/ports.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = 6;
const CLI = fileURLToPath(new URL("../src/cli.js", import.meta.url));

type Case = "a" | "b" | "c";
const LABEL: Record<Case, string> = {
  a: "(a) HLS hifi only",
  b: "(b) + Icecast mount on hifi",
  c: "(c) + Icecast mount on new mp3",
};

function channelFile(dir: string, c: Case, apiPort: number, ice: IcecastServer): string {
  const mounts =
    c === "a"
      ? "[]"
      : c === "b"
        ? `\n    - { id: hifi-aac, url: "${ice.sourceUrl("bench-hifi.aac")}", profile: hifi }`
        : `\n    - { id: mp3, url: "${ice.sourceUrl("bench.mp3")}", profile: mp3 }`;
  const file = join(dir, `bench-${c}.yaml`);
  writeFileSync(
    file,
    `channel: bench
audio: { sampleRate: 48000, channels: 2 }
inputs:
  - id: tone
    tone: { frequencyHz: 1000 }
profiles:
  hifi: { codec: aac, bitrate: 192k }
  mp3: { codec: mp3, bitrate: 128k }
outputs:
  hls: { dir: ./hls-${c}, segmentSec: 4, windowSegments: 15, profiles: [hifi] }
  icecast: ${mounts}
api: { listen: "127.0.0.1:${apiPort}" }
`,
  );
  return file;
}

interface Sample {
  channelPct: number;
  daemonPct: number;
  icecastPct: number;
  processes: number;
  sentKbps: number;
}

async function once(dir: string, c: Case, ice: IcecastServer): Promise<Sample> {
  const port = await freeTcpPort();
  const child: ChildProcess = spawn("node", [...NODE_FLAGS, CLI, "run", channelFile(dir, c, port, ice)], {
    stdio: "ignore",
  });
  const guard = setTimeout(() => child.kill("SIGKILL"), (SECONDS + WARMUP + 30) * 1000);
  try {
    await new Promise((r) => setTimeout(r, WARMUP * 1000));
    if (child.exitCode !== null) throw new Error(`daemon for ${c} exited early`);
    const sentBefore = await sent(port);
    const t0 = performance.now();
    const [ch, srv] = await Promise.all([measure(child.pid!, SECONDS), measure(ice.pid!, SECONDS)]);
    const sentKbps = ((await sent(port)) - sentBefore) / 125 / ((performance.now() - t0) / 1000);
    if (c !== "a") {
      // The mount must really be live for the number to mean anything.
      const stats = parseIcecastStats(await ice.stats());
      const mount = c === "b" ? "/bench-hifi.aac" : "/bench.mp3";
      if (!stats.has(mount)) throw new Error(`${mount} not on the server during run ${c}`);
    }
    return {
      channelPct: ch.total.cpuPct,
      daemonPct: ch.self.cpuPct,
      icecastPct: srv.total.cpuPct,
      processes: ch.processes,
      sentKbps,
    };
  } finally {
    clearTimeout(guard);
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("close", r));
    }
  }
}

/** Bytes the daemon's Icecast outputs sent so far (0 without any). */
async function sent(port: number): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${port}/api/v1/status`);
  const s = (await r.json()) as { outputs: { kind: string; sentBytes?: number }[] };
  return s.outputs.filter((o) => o.kind === "icecast").reduce((a, o) => a + (o.sentBytes ?? 0), 0);
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "antenne-bench-ice-"));
  const ice = await IcecastServer.start({ password: "bench-pass" });
  try {
    console.log(
      `# Icecast output cost: ${ROUNDS} rounds × 3 runs of ${SECONDS} s after ${WARMUP} s warm-up, icecast2 on 127.0.0.1:${ice.port}, ${new Date().toISOString()}`,
    );
    const res: Record<Case, Sample[]> = { a: [], b: [], c: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const c of ["a", "b", "c"] as const) {
        const s = await once(dir, c, ice);
        res[c].push(s);
        console.log(
          `round ${r + 1} ${LABEL[c].padEnd(32)} channel ${s.channelPct.toFixed(2)} % (daemon ${s.daemonPct.toFixed(2)} %, ${s.processes} processes), icecast2 ${s.icecastPct.toFixed(2)} %, icecast out ${s.sentKbps.toFixed(0)} kbit/s`,
        );
      }
    }
    const ch = (c: Case) => res[c].map((s) => s.channelPct);
    console.log("");
    for (const c of ["a", "b", "c"] as const) {
      console.log(
        `${LABEL[c].padEnd(32)} channel ${mean(ch(c)).toFixed(2)} ± ${sd(ch(c)).toFixed(2)} % of one core (daemon ${mean(res[c].map((s) => s.daemonPct)).toFixed(2)} %)`,
      );
    }
    const a = mean(ch("a"));
    console.log(
      `cost (b)−(a), mount on a profile HLS already encodes: ${(mean(ch("b")) - a).toFixed(2)} % of one core`,
    );
    console.log(
      `cost (c)−(a), mount on a new mp3 profile:             ${(mean(ch("c")) - a).toFixed(2)} % of one core`,
    );
  } finally {
    await ice.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
