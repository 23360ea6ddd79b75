/**
 * Soak: two SRT senders whose clocks run 0.1 % fast and 0.1 % slow (ffmpeg `-readrate 1.001` /
 * `0.999`: 48048 / 47952 samples per wall-clock second, labelled 48000, sent at ffmpeg's defaults)
 * feed one daemon for 135 s. Each input stays available throughout (the audio due is always
 * there), the audio it holds neither drains nor grows (unsteered, 0.1 % over 135 s would move it
 * by 135 ms), and driftPpm measures the sender's clock: the independent measurement is ffmpeg's
 * own pacing against the same system clock, ±1000 ppm exactly, within ±50 ppm.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, before, describe, test } from "node:test";
import type { Daemon } from "../../src/daemon.js";
import { tempDir } from "../helpers/channel.js";
import { until } from "../helpers/proc.js";
import { LogSink, ffmpegTone, sine, startLoggedDaemon, status } from "../e2e/srt-daemon-helpers.js";
import { kill } from "../e2e/srt-helpers.js";
import { freeUdpPort } from "../helpers/ports.js";

const BUFFER_MS = 300;
const RUN_SEC = Number(process.env.DRIFT_SECONDS ?? 135);
const WARMUP_SEC = 8;
const SENDERS = [
  { id: "fast", readrate: 1.001, freq: 440, expectPpm: 1000 },
  { id: "slow", readrate: 0.999, freq: 660, expectPpm: -1000 },
];

describe("sender clocks 0.1 % fast and slow", { timeout: (RUN_SEC + 90) * 1000 }, () => {
  const dir = tempDir("antenne-srt-drift-");
  const logs = new LogSink();
  const peers: ChildProcess[] = [];
  let d: Daemon;

  before(async () => {
    const ports = await Promise.all(SENDERS.map(() => freeUdpPort()));
    const inputs = SENDERS.map(
      (s, i) => `  - id: ${s.id}\n    srt: { mode: listener, bind: "127.0.0.1:${ports[i]}", latencyMs: 120 }`,
    ).join("\n");
    d = await startLoggedDaemon(
      (api) => `
channel: drift
audio: { sampleRate: 48000, channels: 2 }
inputs:
${inputs}
switcher: { bufferMs: ${BUFFER_MS}, starvationMs: 300, silence: { minNoiseSec: 0.2 } }
profiles:
  lofi: { codec: aac, bitrate: 32k }
outputs:
  hls: { dir: ./hls, segmentSec: 2, windowSegments: 5, profiles: [lofi] }
api: { listen: "127.0.0.1:${api}" }
`,
      dir,
      logs.log,
    );
    SENDERS.forEach((s, i) =>
      peers.push(
        ffmpegTone(
          `srt://127.0.0.1:${ports[i]}?mode=caller&latency=120000`,
          s.freq,
          "aac",
          (RUN_SEC + 60) * 1000,
          sine(s.freq, { readrate: s.readrate }),
        ),
      ),
    );
  });

  after(async () => {
    await Promise.all(peers.map((p) => kill(p)));
    await d?.close();
  });

  test(`for ${RUN_SEC} s: always available, the held audio neither drains nor grows, driftPpm ≈ ±1000`, async () => {
    await until(
      async () => (await status(d)).inputs.every((i) => i.available),
      15_000,
      "both inputs available",
      200,
    );
    await new Promise((r) => setTimeout(r, WARMUP_SEC * 1000));
    const samples: {
      t: number;
      id: string;
      bufferMs: number;
      target: number;
      driftPpm: number;
      available: boolean;
    }[] = [];
    const t0 = performance.now();
    let next = t0;
    while (performance.now() - t0 < RUN_SEC * 1000) {
      const s = await status(d);
      const t = Math.round((performance.now() - t0) / 1000);
      for (const i of s.inputs)
        samples.push({
          t,
          id: i.id,
          bufferMs: i.bufferMs,
          target: i.targetDelayMs,
          driftPpm: i.driftPpm,
          available: i.available,
        });
      next += 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    for (const snd of SENDERS) {
      const mine = samples.filter((x) => x.id === snd.id);
      const every10 = mine
        .filter((x) => x.t % 10 === 0)
        .map((x) => `${x.t}s:${x.bufferMs}/${x.target}ms/${x.driftPpm}ppm`);
      console.log(`${snd.id} (readrate ${snd.readrate}): ${every10.join(" ")}`);
      assert.ok(mine.length >= RUN_SEC - 5, `${mine.length} samples`);
      for (const x of mine) assert.ok(x.available, `${snd.id} unavailable at ${x.t} s`);
      // What is held swings with the sender's bursts; its average over 30 s must not move.
      const early = mean(mine.filter((x) => x.t < 30).map((x) => x.bufferMs));
      const late = mean(mine.filter((x) => x.t >= RUN_SEC - 30).map((x) => x.bufferMs));
      assert.ok(
        Math.abs(late - early) <= 60,
        `${snd.id}: held ${early.toFixed(0)} ms early, ${late.toFixed(0)} ms late`,
      );
      assert.ok(
        mine.every((x) => x.target >= BUFFER_MS && x.target <= x.bufferMs + 2000),
        `${snd.id}: target within bounds`,
      );
      const last = mine.slice(-10).map((x) => x.driftPpm);
      const avg = mean(last);
      assert.ok(
        Math.abs(avg - snd.expectPpm) <= 50,
        `${snd.id}: driftPpm over the last 10 s ${last.join(",")} (the sender runs ${snd.expectPpm} ppm)`,
      );
    }
  });
});
