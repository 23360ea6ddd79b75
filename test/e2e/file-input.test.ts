import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pino } from "pino";
import { FileInput } from "../../src/input/file-input.js";
import { decodeMono, dominant, longestSilence, toneShare } from "../helpers/audio.js";
import { startTestDaemon, tempDir } from "../helpers/channel.js";
import { parseMedia } from "../helpers/m3u8.js";
import { run, until } from "../helpers/proc.js";
import { testErrors, testRuntime } from "../helpers/deps.js";

test(
  "a looped file input (FLAC, 44.1 kHz mono) is decoded to the program format and carried past its end",
  { timeout: 90_000 },
  async () => {
    const dir = tempDir();
    await sineFlac(dir, 880, 44100, 1, 2); // the channel file names it ./loop.flac
    const d = await startTestDaemon(
      (port) => `
channel: file
inputs:
  - id: loop
    file: { path: ./loop.flac }
switcher: { silence: { minNoiseSec: 0.2 } }
profiles: { midfi: { codec: aac, bitrate: 96k } }
outputs: { hls: { dir: ./hls, segmentSec: 2, windowSegments: 10, profiles: [midfi] } }
api: { listen: "127.0.0.1:${port}" }
`,
      dir,
    );
    try {
      const pl = join(dir, "hls", "file_midfi.m3u8");
      // 4 segments of 2 s = 8 s of program: the 2 s file looped several times.
      await until(
        () => existsSync(pl) && parseMedia(readFileSync(pl, "utf8")).segments.length >= 4,
        20_000,
        "4 segments",
      );
      const status = d.channel.status();
      const input = status.inputs[0]!;
      assert.equal(status.active, "loop");
      assert.equal(input.state, "connected");
      assert.ok(input.levelDb.rms > -30, `level ${input.levelDb.rms}`);
      assert.ok(input.bufferMs > 100, `buffer ${input.bufferMs}`);
      const segs = parseMedia(readFileSync(pl, "utf8")).segments.slice(1, 4);
      for (const s of segs) {
        const pcm = await decodeMono(join(dir, "hls", s.uri), { timeoutMs: 20_000 });
        const tone = dominant(pcm, [440, 880, 1000], 48000);
        assert.equal(tone.freq, 880, `segment ${s.seq}`);
        assert.ok(tone.share > 0.5, `segment ${s.seq} share ${tone.share}`);
      }
    } finally {
      await d.close();
    }
  },
);

test(
  "a file input is pulled on demand: its decoder stopped for longer than the buffer leaves no gap, and it never runs ahead unbounded",
  { timeout: 60_000 },
  async () => {
    const dir = tempDir();
    const flac = await sineFlac(dir, 880, 48000, 2, 1);
    const log = pino({ level: "silent" });
    const input = new FileInput("loop", true, flac, {
      format: { sampleRate: 48000, channels: 2 },
      bufferMs: 300,
      starvationMs: 300,
      thresholdDb: -40,
      playout: () => {
        throw new Error("a file input has no playout");
      },
      runtime: testRuntime(log),
      log,
      errors: testErrors(log),
    });
    input.start();
    // The program clock's tick: the input moves decoded audio from its pipe (as the channel does).
    const tick = setInterval(() => input.poll({ monoMs: performance.now(), pos: 0 }), 60);
    try {
      await until(() => input.bufferMs() >= 300, 10_000, "the buffer primed");
      const frames = 960;
      const out = new Float32Array(frames * 2);
      const mono: number[] = [];
      let short = 0;
      let reads = 0;
      const t0 = performance.now();
      let stopped = false;
      let resumedAt = 0;
      // 4 s of program at 20 ms frames, reading as many frames as are due (as the program clock does).
      while (reads < 200) {
        const due = Math.floor((performance.now() - t0) / 20) + 1;
        while (reads < due && reads < 200) {
          const got = input.read(out, frames);
          if (got < frames) short++;
          for (let i = 0; i < frames; i++) mono.push(out[i * 2]!);
          reads++;
        }
        if (!stopped && reads >= 50) {
          // A CPU-starved decoder: stopped for 800 ms, far longer than the 300 ms buffer.
          process.kill(input.decoderPid!, "SIGSTOP");
          stopped = true;
          const pid = input.decoderPid!;
          setTimeout(() => {
            process.kill(pid, "SIGCONT");
            resumedAt = reads;
          }, 800);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(resumedAt > 50, "the decoder was stopped and resumed while reading");
      assert.equal(short, 0, "every read delivered a whole frame");
      assert.equal(input.link().state, "connected", "still delivering");
      const pcm = Float32Array.from(mono);
      assert.ok(longestSilence(pcm) < 48, `longest silence ${longestSilence(pcm)} samples`);
      for (let s = 0; s + 48000 <= pcm.length; s += 24000) {
        const share = toneShare(pcm.subarray(s, s + 48000), 880, 48000);
        assert.ok(share > 0.9, `window at ${s}: 880 Hz share ${share}`);
      }
      // Pulled, not run ahead: decoded bytes stay within played + the second held ahead + a pipe.
      const played = reads * frames * 2 * 2; // s16 stereo bytes
      const decoded = input.link().receivedBytes;
      assert.ok(decoded < played + 48000 * 4 * 1.5 + 65536 * 2, `decoded ${decoded} vs played ${played}`);
      assert.ok(decoded >= played, `decoded ${decoded} vs played ${played}`);
    } finally {
      clearInterval(tick);
      await input.close();
    }
  },
);

/** A FLAC file of a sine (`seconds` long) for a file input to loop. */
async function sineFlac(
  dir: string,
  freq: number,
  rate: number,
  channels: number,
  seconds: number,
): Promise<string> {
  const flac = join(dir, "loop.flac");
  const args = [
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "lavfi",
    "-i",
    `sine=f=${freq}:r=${rate}:d=${seconds}`,
  ];
  const mk = await run("ffmpeg", [...args, "-ac", String(channels), "-y", flac], { timeoutMs: 20_000 });
  assert.equal(mk.code, 0, mk.stderr);
  return flac;
}
