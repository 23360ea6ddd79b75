/**
 * Cost of the in-process MPEG-TS demuxer on the audio path: 60 s of 192 kbit/s AAC in MPEG-TS
 * (ffmpeg defaults), demuxed from memory in 1316-byte chunks (7 packets, what one SRT datagram
 * carries), BENCH_REPS times after a warm-up. Prints CPU and wall time per second of audio.
 *
 *   node dist/bench/ts-demux.js          (BENCH_REPS=20 by default)
 */
import { spawnSync } from "node:child_process";
import { TsDemuxer } from "../src/input/ts/ts-demuxer.js";

const REPS = Number(process.env.BENCH_REPS ?? 20);
const SECONDS = 60;
const CHUNK = 1316;

function fixture(): Buffer {
  const src = `sine=f=440:r=48000:d=${SECONDS}`;
  const args = ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", src, "-ac", "2"];
  const r = spawnSync("ffmpeg", [...args, "-c:a", "aac", "-b:a", "192k", "-f", "mpegts", "-"], {
    maxBuffer: 64 << 20,
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr.toString()}`);
  return r.stdout;
}

function demuxOnce(ts: Buffer): number {
  let frames = 0;
  const d = new TsDemuxer({ frame: () => frames++ });
  for (let at = 0; at < ts.length; at += CHUNK) d.push(ts.subarray(at, at + CHUNK));
  d.end();
  return frames;
}

const ts = fixture();
const expectedFrames = demuxOnce(ts);
for (let i = 0; i < 3; i++) demuxOnce(ts); // warm-up (JIT)
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < REPS; i++) {
  if (demuxOnce(ts) !== expectedFrames) throw new Error("frame count changed between runs");
}
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const audioSec = REPS * SECONDS;
const cpuUs = (cpu.user + cpu.system) / audioSec;
console.log(
  `input: ${(ts.length / 1024).toFixed(0)} KiB MPEG-TS, ${expectedFrames} AAC frames, ${SECONDS} s`,
);
console.log(`runs: ${REPS}, chunk ${CHUNK} bytes`);
console.log(
  `CPU  ${cpuUs.toFixed(1)} µs per second of audio (${(cpuUs / 1e4).toFixed(4)} % of a core per input)`,
);
console.log(`wall ${((wallMs * 1000) / audioSec).toFixed(1)} µs per second of audio`);
