/**
 * Issue 9/10 benchmark: what one input's decoding costs, in-process (libfaad2 for AAC, libmpg123
 * for MP2, libswresample, through koffi: src/decode/audio-decoder.ts, resampler.ts) against today's ffmpeg decoder
 * process (src/decode/decoder.ts, the same arguments, polled pipes) fed the same elementary
 * stream. Every input runs in real time at once, paced by 60 ms ticks like the program clock:
 *   AAC-LC 128k and MP2 192k at 48 kHz stereo (no resampling), and the same codecs at
 *   44.1 kHz (resampled to the 48 kHz program rate, as SPEC §8's senders need).
 * Content: two independent pink noises (true stereo, every band busy), made by ffmpeg here.
 *
 * CPU, counted from WARMUP s to the end: in-process = the main thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID, so neither other threads nor preemption on this shared machine
 * count) around the decode and resample calls; the process path = the child's utime+stime
 * (/proc/PID/stat) plus the daemon's own side of it (pipe write, pipe read, s16 → f32),
 * measured like the in-process calls. Worst call: the longest decode() in thread CPU and in
 * wall time (the latter includes preemption: what the event loop would feel).
 * Memory (/proc/PID/smaps_rollup): loading libav into the daemon (once per process; RSS, PSS
 * and private dirty; libavcodec, with its ~90 shared libraries, is only loaded for AC-3), one open decoder + resampler
 * (mean of PAIRS), and each decoder process's PSS and RSS.
 *
 *   node dist/bench/decode-cost.js            (BENCH_SECONDS=60 of audio per input)
 */
import { readFileSync } from "node:fs";
import koffi from "koffi";
import { setTimeout as sleep } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { AudioDecoder, type DecoderCodec } from "../src/decode/audio-decoder.js";
import { Decoder } from "../src/decode/decoder.js";
import { loadLibav } from "../src/decode/libav-check.js";
import type { Libav } from "../src/decode/libav.js";
import { Resampler } from "../src/decode/resampler.js";
import { silentLogger } from "../src/log.js";
import { run } from "../test/helpers/proc.js";
import { scratch, splitFrames } from "../test/unit/libav-fixtures.js";
import { systemClock } from "../src/clock/clock.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP = 5;
const TICK_MS = 60;
const PAIRS = 20;
const PROGRAM = { sampleRate: 48000, channels: 2 } as const;
const TICKS_PER_S = 100; // USER_HZ

interface Case {
  label: string;
  codec: DecoderCodec;
  bitrate: string;
  rate: number;
}
const CASES: Case[] = [
  { label: "AAC 128k 48 kHz", codec: "aac", bitrate: "128k", rate: 48000 },
  { label: "MP2 192k 48 kHz", codec: "mp2", bitrate: "192k", rate: 48000 },
  { label: "AAC 128k 44.1→48", codec: "aac", bitrate: "128k", rate: 44100 },
  { label: "MP2 192k 44.1→48", codec: "mp2", bitrate: "192k", rate: 44100 },
];

/** CPU seconds of the calling (main) thread: clock_gettime(CLOCK_THREAD_CPUTIME_ID) from libc. */
const cpuS = (() => {
  const clock_gettime = koffi.load("libc.so.6").func("int clock_gettime(int clk, _Out_ int64_t *ts)");
  const ts = new BigInt64Array(2);
  return () => {
    clock_gettime(3, ts);
    return Number(ts[0]) + Number(ts[1]) / 1e9;
  };
})();

function procCpuS(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_S;
}

/** PSS, RSS and private dirty memory in MiB from /proc/PID/smaps_rollup. */
function memMiB(pid: number | "self"): { pss: number; rss: number; dirty: number } {
  const t = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kib = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(t)?.[1] ?? 0);
  return { pss: kib("Pss") / 1024, rss: kib("Rss") / 1024, dirty: kib("Private_Dirty") / 1024 };
}

async function makeEs(dir: string, c: Case): Promise<Buffer[]> {
  const file = `${dir}/${c.codec}-${c.rate}.${c.codec === "aac" ? "adts" : "mp2"}`;
  const noise = (seed: number) => `anoisesrc=c=pink:r=${c.rate}:a=0.1:seed=${seed}`;
  const args = ["-hide_banner", "-loglevel", "error", "-y", "-filter_complex"];
  args.push(`${noise(1)}[a];${noise(2)}[b];[a][b]amerge=inputs=2`, "-t", String(SECONDS));
  args.push("-c:a", c.codec, "-b:a", c.bitrate, "-f", c.codec === "aac" ? "adts" : "mp2", file);
  const r = await run("ffmpeg", args, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`ffmpeg: ${r.stderr}`);
  return splitFrames(c.codec, readFileSync(file));
}

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Memory of this process once garbage is gone (V8 frees ArrayBuffers on a background sweeper). */
async function settledMem(): Promise<ReturnType<typeof memMiB>> {
  gc();
  await sleep(100);
  gc();
  return memMiB("self");
}

/** Once-per-process cost of libav, then the average cost of one open decoder + resampler. */
async function memoryCost(frames: Buffer[]): Promise<{ lib: Libav; load: string; pair: string }> {
  const m0 = await settledMem();
  const lib = loadLibav();
  const m1 = await settledMem();
  const keep: { dec: AudioDecoder; rs: Resampler }[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const dec = new AudioDecoder(lib);
    dec.open("aac");
    const rs = new Resampler(lib, PROGRAM);
    // 44.1 kHz in: the resampler holds a real swr context, as for SPEC §8's senders.
    for (const [k, f] of frames.slice(0, 20).entries()) for (const b of dec.decode(f, k)) rs.convert(b);
    keep.push({ dec, rs });
  }
  const m2 = await settledMem();
  for (const k of keep) {
    k.dec.close();
    k.rs.close();
  }
  const f = (x: number) => x.toFixed(2);
  return {
    lib,
    load: `RSS +${f(m1.rss - m0.rss)} MiB, PSS +${f(m1.pss - m0.pss)} MiB, private dirty +${f(m1.dirty - m0.dirty)} MiB`,
    pair: `RSS +${f((m2.rss - m1.rss) / PAIRS)} MiB, PSS +${f((m2.pss - m1.pss) / PAIRS)} MiB`,
  };
}

/** One input, both ways: the in-process decoder and today's decoder process. */
class Input {
  readonly dec: AudioDecoder;
  readonly rs: Resampler;
  readonly proc: Decoder;
  next = 0;
  inCpu = 0;
  sideCpu = 0;
  callsUs: number[] = [];
  worstWallUs = 0;
  procSamples = 0;
  procCpu0 = 0;
  procMem = { pss: 0, rss: 0 };
  readonly frameS: number;

  constructor(
    lib: Libav,
    readonly c: Case,
    readonly frames: Buffer[],
  ) {
    this.dec = new AudioDecoder(lib);
    this.dec.open(c.codec);
    this.rs = new Resampler(lib, PROGRAM);
    this.frameS = (c.codec === "aac" ? 1024 : 1152) / c.rate;
    const onPcm = (pcm: Float32Array) => void (this.procSamples += pcm.length / 2);
    this.proc = new Decoder({
      name: c.label,
      source: { kind: "stdin" },
      format: PROGRAM,
      log: silentLogger(),
      clock: systemClock,
      onPcm,
    });
    this.proc.start();
  }

  /** Feeds every frame due `elapsedS` into the stream, both ways; `counting` after warm-up. */
  tick(elapsedS: number, counting: boolean): void {
    const due = Math.min(this.frames.length, Math.floor(elapsedS / this.frameS));
    let t = cpuS();
    if (due > this.next) this.proc.write(Buffer.concat(this.frames.slice(this.next, due)));
    this.proc.poll();
    if (counting) this.sideCpu += cpuS() - t;
    t = cpuS();
    for (let i = this.next; i < due; i++) {
      const [h, c] = [performance.now(), cpuS()];
      const blocks = this.dec.decode(this.frames[i]!, Math.round(i * this.frameS * 90000));
      if (counting) this.callsUs.push((cpuS() - c) * 1e6);
      if (counting) this.worstWallUs = Math.max(this.worstWallUs, (performance.now() - h) * 1000);
      for (const b of blocks) this.rs.convert(b);
    }
    if (counting) this.inCpu += cpuS() - t;
    this.next = due;
  }

  sampleProc(): void {
    const pid = this.proc.pid;
    if (pid === undefined) return;
    const m = memMiB(pid);
    this.procMem = { pss: Math.max(this.procMem.pss, m.pss), rss: Math.max(this.procMem.rss, m.rss) };
  }
}

async function realTime(inputs: Input[]): Promise<number> {
  const t0 = performance.now();
  let warmAt = 0;
  for (let k = 1; ; k++) {
    await sleep(Math.max(0, t0 + k * TICK_MS - performance.now()));
    const elapsed = (performance.now() - t0) / 1000;
    const counting = elapsed >= WARMUP;
    if (counting && warmAt === 0) {
      warmAt = elapsed;
      for (const i of inputs) i.procCpu0 = i.proc.pid ? procCpuS(i.proc.pid) : 0;
    }
    for (const i of inputs) i.tick(elapsed, counting);
    if (k % Math.round(5000 / TICK_MS) === 0) for (const i of inputs) i.sampleProc();
    if (inputs.every((i) => i.next >= i.frames.length)) return elapsed - warmAt;
  }
}

const pct = (cpu: number, s: number) => (100 * cpu) / s;

function report(inputs: Input[], windowS: number): void {
  console.log(
    `\n${windowS.toFixed(1)} s counted per input (after ${WARMUP} s), ${inputs.length} inputs at once\n`,
  );
  console.log(
    "| input | in-process µs per s of audio | in-process % core | ffmpeg process % core | daemon side of the process % | process path / in-process | decode() CPU µs mean / p50 / p99 / max | decode() max wall µs |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const i of inputs) {
    const procCpu = i.proc.pid ? procCpuS(i.proc.pid) - i.procCpu0 : NaN;
    const inPct = pct(i.inCpu, windowS);
    const procPct = pct(procCpu, windowS);
    const sidePct = pct(i.sideCpu, windowS);
    const sorted = [...i.callsUs].sort((a, b) => a - b);
    const q = (p: number) =>
      (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN).toFixed(0);
    const cells = [
      i.c.label,
      ((i.inCpu / windowS) * 1e6).toFixed(0),
      inPct.toFixed(3),
      procPct.toFixed(3),
      sidePct.toFixed(3),
      ((procPct + sidePct) / inPct).toFixed(1),
      `${(sorted.reduce((a, b) => a + b, 0) / sorted.length).toFixed(0)} / ${q(0.5)} / ${q(0.99)} / ${q(1)}`,
      i.worstWallUs.toFixed(0),
    ];
    console.log(`| ${cells.join(" | ")} |`);
    if (i.dec.errors > 0) console.log(`  (in-process errors: ${i.dec.errors}, ${i.dec.lastError})`);
  }
}

async function main(): Promise<void> {
  const tmp = scratch();
  try {
    const frames = await Promise.all(CASES.map((c) => makeEs(tmp.dir, c)));
    const mem = await memoryCost(frames[2]!);
    const inputs = CASES.map((c, k) => new Input(mem.lib, c, frames[k]!));
    const windowS = await realTime(inputs);
    await sleep(1000); // the processes' last output
    for (const i of inputs) i.proc.poll();
    report(inputs, windowS);
    console.log("\nmemory:");
    console.log(`  loading libav into the daemon (once per process): ${mem.load}`);
    console.log(`  one open decoder + resampler in the daemon (mean of ${PAIRS}): ${mem.pair}`);
    for (const i of inputs) {
      console.log(
        `  ffmpeg decoder process ${i.c.label}: PSS ${i.procMem.pss.toFixed(1)} MiB, RSS ${i.procMem.rss.toFixed(1)} MiB`,
      );
    }
    const lost = inputs.map((i) => `${i.c.label} ${(i.procSamples / 48000) | 0} s`).join(", ");
    console.log(`  (decoded by the processes: ${lost})`);
    await Promise.all(inputs.map((i) => i.proc.close()));
    for (const i of inputs) {
      i.dec.close();
      i.rs.close();
    }
  } finally {
    tmp.done();
  }
}

await main();
