/**
 * BS.1770-4 / EBU R128 meter: filter coefficients, reference tones, and agreement with
 * ffmpeg's `ebur128` filter on the very same samples (every 100 ms reading), at 44.1 and
 * 48 kHz, mono and stereo.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOUDNESS_FLOOR_LUFS, LoudnessMeter, kWeighting } from "../../src/engine/loudness.js";
import { measureLevel } from "../../src/engine/level.js";

const FFMPEG_TIMEOUT_MS = 30_000;

/** Runs ffmpeg, bounded in time: killed by its PID when it overstays. */
function ffmpeg(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("ffmpeg", ["-hide_banner", "-nostdin", "-y", ...args], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGKILL");
    }, FFMPEG_TIMEOUT_MS);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

interface Reading {
  t: number;
  m: number;
  s: number;
}

/** ffmpeg's 100 ms `ebur128` lines: "t: 0.399979  TARGET:-23 LUFS    M:  -3.0 S:-120.7 …". */
function parseEbur128(stderr: string): Reading[] {
  const out: Reading[] = [];
  const re = /t:\s*([\d.]+)\s+TARGET:\S+ LUFS\s+M:\s*(-?[\d.]+)\s+S:\s*(-?[\d.]+)/g;
  for (const m of stderr.matchAll(re)) out.push({ t: Number(m[1]), m: Number(m[2]), s: Number(m[3]) });
  return out;
}

/** Generates `seconds` of a lavfi graph as raw f32le, and ffmpeg's own R128 readings of that file. */
async function generateAndMeasure(
  dir: string,
  name: string,
  graph: string,
  rate: number,
  channels: number,
): Promise<{ samples: Float32Array; readings: Reading[] }> {
  const raw = join(dir, `${name}.f32`);
  const gen = await ffmpeg([
    "-filter_complex",
    graph,
    "-f",
    "f32le",
    "-ar",
    `${rate}`,
    "-ac",
    `${channels}`,
    raw,
  ]);
  assert.equal(gen.code, 0, gen.stderr);
  const fmt = ["-f", "f32le", "-ar", `${rate}`, "-ac", `${channels}`];
  const meas = await ffmpeg([...fmt, "-i", raw, "-af", "ebur128", "-f", "null", "-"]);
  assert.equal(meas.code, 0, meas.stderr);
  const buf = await readFile(raw);
  const samples = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  return { samples, readings: parseEbur128(meas.stderr) };
}

/** Our readings after each 100 ms block, pushing the samples in 20 ms frames. */
function measure(samples: Float32Array, rate: number, channels: number): { m: number; s: number }[] {
  const meter = new LoudnessMeter(rate, channels);
  const frame = Math.round(rate / 50) * channels;
  const out: { m: number; s: number }[] = [];
  for (let i = 0; i < samples.length; i += frame) {
    const before = meter.blockCount;
    meter.push(samples.subarray(i, Math.min(samples.length, i + frame)));
    if (meter.blockCount !== before) out.push({ m: meter.momentary, s: meter.shortTerm });
  }
  return out;
}

const CASES: { name: string; rate: number; channels: number; graph: string }[] = [
  {
    name: "1 kHz sine -20 dBFS peak, stereo, 48 kHz",
    rate: 48000,
    channels: 2,
    graph: "aevalsrc=0.1*sin(2*PI*1000*t)|0.1*sin(2*PI*1000*t):s=48000:d=5",
  },
  {
    name: "997 Hz full-scale sine, mono, 44.1 kHz",
    rate: 44100,
    channels: 1,
    graph: "aevalsrc=sin(2*PI*997*t):s=44100:d=4",
  },
  {
    name: "pink noise stereo (uncorrelated) with 1 s level steps, 48 kHz",
    rate: 48000,
    channels: 2,
    graph:
      "anoisesrc=color=pink:sample_rate=48000:amplitude=0.5:duration=8:seed=1[l];" +
      "anoisesrc=color=pink:sample_rate=48000:amplitude=0.5:duration=8:seed=2[r];" +
      "[l][r]amerge=inputs=2,volume='if(lt(mod(t,2),1),1,0.2)':eval=frame",
  },
  {
    name: "white noise stereo with level steps, 44.1 kHz",
    rate: 44100,
    channels: 2,
    graph:
      "anoisesrc=color=white:sample_rate=44100:amplitude=0.3:duration=8:seed=3[l];" +
      "anoisesrc=color=white:sample_rate=44100:amplitude=0.3:duration=8:seed=4[r];" +
      "[l][r]amerge=inputs=2,volume='if(lt(mod(t,1.5),0.7),1,0.1)':eval=frame",
  },
  {
    name: "8 kHz sine (the shelf) then 40 Hz sine (the high-pass), mono, 44.1 kHz",
    rate: 44100,
    channels: 1,
    graph: "aevalsrc='if(lt(t,4),0.5*sin(2*PI*8000*t),0.5*sin(2*PI*40*t))':s=44100:d=8",
  },
  {
    name: "8 kHz then 40 Hz sine, stereo, 48 kHz",
    rate: 48000,
    channels: 2,
    graph: "aevalsrc='if(lt(t,4),0.5*sin(2*PI*8000*t),0.5*sin(2*PI*40*t))|0.2*sin(2*PI*3000*t)':s=48000:d=8",
  },
];

void test("loudness: agrees with ffmpeg ebur128 on every 100 ms reading (within 0.5 LU, typically < 0.1)", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "antenne-r128-"));
  try {
    for (const c of CASES) {
      const { samples, readings } = await generateAndMeasure(
        dir,
        `case${CASES.indexOf(c)}`,
        c.graph,
        c.rate,
        c.channels,
      );
      const ours = measure(samples, c.rate, c.channels);
      assert.ok(readings.length >= 30, `${c.name}: ffmpeg printed ${readings.length} readings`);
      let worst = 0;
      let compared = 0;
      for (let k = 0; k < Math.min(readings.length, ours.length); k++) {
        const ff = readings[k]!;
        const me = ours[k]!;
        for (const [mine, theirs, what] of [
          [me.m, ff.m, "M"],
          [me.s, ff.s, "S"],
        ] as const) {
          if (theirs <= -120) {
            // ffmpeg's "window not full yet" (or silence) floor.
            assert.equal(mine, LOUDNESS_FLOOR_LUFS, `${c.name}: ${what} at t=${ff.t}`);
            continue;
          }
          const diff = Math.abs(mine - theirs);
          worst = Math.max(worst, diff);
          compared++;
          assert.ok(
            diff <= 0.5,
            `${c.name}: ${what} at t=${ff.t}: ours ${mine.toFixed(2)}, ffmpeg ${theirs}`,
          );
        }
      }
      t.diagnostic(`${c.name}: ${compared} readings compared, worst difference ${worst.toFixed(3)} LU`);
      // ffmpeg rounds to 0.1 LU, so 0.05 + our own error: a much tighter bound than the contract.
      assert.ok(worst <= 0.1, `${c.name}: worst difference ${worst}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

function toneMeter(
  rate: number,
  channels: number,
  freq: number,
  amp: number,
  seconds: number,
): LoudnessMeter {
  const meter = new LoudnessMeter(rate, channels);
  const n = Math.round(rate * seconds);
  const x = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) {
    const v = amp * Math.sin((2 * Math.PI * freq * i) / rate);
    for (let c = 0; c < channels; c++) x[i * channels + c] = v;
  }
  meter.push(x);
  return meter;
}

void test("loudness: reference tones: 997 Hz full-scale mono = -3.01 LUFS, 1 kHz -20 dBFS stereo = -20.0 LUFS", () => {
  for (const rate of [44100, 48000]) {
    const mono = toneMeter(rate, 1, 997, 1, 3.5);
    assert.ok(Math.abs(mono.momentary - -3.01) < 0.02, `${rate}: momentary ${mono.momentary}`);
    assert.ok(Math.abs(mono.shortTerm - -3.01) < 0.02, `${rate}: short-term ${mono.shortTerm}`);
    // EBU Tech 3341 test 1 analogue: stereo 1 kHz sine at X dBFS per channel reads X LUFS.
    const stereo = toneMeter(rate, 2, 1000, 0.1, 3.5);
    assert.ok(Math.abs(stereo.shortTerm - -20) < 0.1, `${rate}: stereo ${stereo.shortTerm}`);
  }
});

void test("loudness: 48 kHz coefficients are those of ITU-R BS.1770-4; 44.1 kHz ones differ", () => {
  const k48 = kWeighting(48000);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-8, `${a} vs ${b}`);
  close(k48.shelf.b0, 1.53512485958697);
  close(k48.shelf.b1, -2.69169618940638);
  close(k48.shelf.b2, 1.19839281085285);
  close(k48.shelf.a1, -1.69065929318241);
  close(k48.shelf.a2, 0.73248077421585);
  close(k48.highpass.a1, -1.99004745483398);
  close(k48.highpass.a2, 0.99007225036621);
  assert.deepEqual([k48.highpass.b0, k48.highpass.b1, k48.highpass.b2], [1, -2, 1]);
  const k44 = kWeighting(44100);
  assert.ok(Math.abs(k44.shelf.a1 - k48.shelf.a1) > 1e-3);
});

void test("loudness: readings stay at the floor until the window is full, and for digital silence", () => {
  const rate = 48000;
  const meter = new LoudnessMeter(rate, 2);
  // A 1 kHz sine: 100 ms holds whole periods, so every block is the same.
  const block = new Float32Array(4800 * 2);
  for (let i = 0; i < 4800; i++)
    block[2 * i] = block[2 * i + 1] = 0.25 * Math.sin((2 * Math.PI * 1000 * i) / rate);
  for (let k = 1; k <= 30; k++) {
    meter.push(block);
    assert.equal(meter.momentary === LOUDNESS_FLOOR_LUFS, k < 4, `momentary after ${k} blocks`);
    assert.equal(meter.shortTerm === LOUDNESS_FLOOR_LUFS, k < 30, `short-term after ${k} blocks`);
  }
  const silent = new LoudnessMeter(rate, 1);
  silent.push(new Float32Array(rate * 4));
  assert.equal(silent.momentary, LOUDNESS_FLOOR_LUFS);
  assert.equal(silent.shortTerm, LOUDNESS_FLOOR_LUFS);
  meter.reset();
  assert.equal(meter.momentary, LOUDNESS_FLOOR_LUFS);
  assert.equal(meter.blockCount, 0);
});

void test("loudness and level: cost per sample (printed, not asserted: benchmarks live in bench/)", (t) => {
  const rate = 48000;
  const channels = 2;
  const seconds = 60;
  const frameLen = (rate / 50) * channels;
  const frame = new Float32Array(frameLen);
  let seed = 1;
  for (let i = 0; i < frameLen; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    frame[i] = seed / 2 ** 30 - 1;
  }
  const meter = new LoudnessMeter(rate, channels);
  const frames = seconds * 50;
  for (let i = 0; i < 200; i++) meter.push(frame); // warm-up (JIT)
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < frames; i++) meter.push(frame);
  const loudNs = Number(process.hrtime.bigint() - t0) / (frames * frameLen);
  let sink = 0;
  t0 = process.hrtime.bigint();
  for (let i = 0; i < frames; i++) sink += measureLevel(frame).rmsDb;
  const levelNs = Number(process.hrtime.bigint() - t0) / (frames * frameLen);
  const msg =
    `LoudnessMeter ${loudNs.toFixed(2)} ns/sample, measureLevel ${levelNs.toFixed(2)} ns/sample ` +
    `(${seconds} s of 48 kHz stereo: ${((loudNs + levelNs) * rate * channels * 1e-9 * 100).toFixed(3)} % of one core per input)`;
  t.diagnostic(msg);
  assert.ok(Number.isFinite(sink) && Number.isFinite(meter.momentary));
});
