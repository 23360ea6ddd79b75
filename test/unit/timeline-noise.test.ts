/**
 * Noise proven on arrival (test/helpers/timeline-harness.ts): the run of audio above the threshold
 * that holds the audio playing now, and what restarts it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { TimedSource } from "../../src/engine/timeline/timed-source.js";
import { RATE, FRAME, TICK_FRAMES, ON_AIR, playout, source } from "../helpers/timeline-harness.js";

test("noise is proven on arrival: the run that holds the audio playing now, reset by silence or a gap", () => {
  const p = playout();
  const src = new TimedSource({ id: "n", sampleRate: RATE, channels: 1, playout: p, silenceDb: -40 });
  src.restart(true);
  ON_AIR.value = false;
  const tone = new Float32Array(FRAME).fill(0.5);
  const silence = new Float32Array(FRAME);
  const buf = new Float32Array(FRAME);
  // Chunk k (20 ms) arrives 50 ms after it was made; `kind` says what it carries.
  let k = 0;
  let p0 = 0;
  const feed = (untilSec: number, kind: (k: number) => "tone" | "silence" | "lost") => {
    for (; p0 + FRAME * TICK_FRAMES <= untilSec * RATE; p0 += FRAME * TICK_FRAMES) {
      const tickP = p0 + FRAME * TICK_FRAMES;
      for (; (k + 1) * FRAME + 2400 <= tickP; k++) {
        const what = kind(k);
        if (what !== "lost")
          src.write(k * FRAME, what === "tone" ? tone : silence, tickP, (tickP / RATE) * 1000);
      }
      for (let f = 0; f < TICK_FRAMES; f++) src.read(buf, FRAME, p0 + f * FRAME);
    }
  };
  assert.equal(src.arrivedNoiseMs(), 0, "nothing played yet");
  feed(1.5, () => "tone");
  const ahead = src.bufferMs();
  const arrived = src.arrivedNoiseMs();
  // Everything that arrived is noise: 1.5 s less the transport (50 ms) and tick (≤ 60 ms) delay.
  assert.ok(arrived > 1350 && arrived <= 1450, `arrived noise ${arrived} ms`);
  assert.ok(ahead >= 250, `the delay is held ahead of the play position (${ahead} ms)`);
  // A silent 20 ms arrives: the run starts again after it, and the audio playing now is not in it.
  const silentK = k;
  feed(1.62, (i) => (i === silentK ? "silence" : "tone"));
  assert.equal(src.arrivedNoiseMs(), 0, "silence lies between the play position and the new run");
  feed(4.0, () => "tone");
  const after = src.arrivedNoiseMs();
  assert.ok(after > 2300 && after < 2600, `a new run once the silence has played (${after} ms)`);
  // A lost chunk is a gap: the run restarts after it.
  const lostK = k;
  feed(4.12, (i) => (i === lostK ? "lost" : "tone"));
  assert.equal(src.arrivedNoiseMs(), 0, "a gap lies between the play position and the new run");
  // Without a threshold (a source judged on play only) there is no proof on arrival.
  const plain = source("plain", playout());
  plain.write(0, tone, 2400, 50);
  assert.equal(plain.arrivedNoiseMs(), 0);
});

test("noise on arrival: an outage restarts the run; a burst pause off air that the delay can cover does not", () => {
  const tone = new Float32Array(FRAME).fill(0.5);
  const buf = new Float32Array(FRAME);
  // 2 s of tone in real time (50 ms transport), then the sender pauses and resumes with
  // continuous timestamps (what it made meanwhile arrives at once): no gap in the positions.
  const runWith = (pauseSec: number, onAir: boolean): number => {
    const p = playout();
    const src = new TimedSource({ id: "late", sampleRate: RATE, channels: 1, playout: p, silenceDb: -40 });
    src.restart(true);
    ON_AIR.value = onAir;
    let k = 0;
    for (let p0 = 0; p0 < (3 + pauseSec) * RATE; p0 += FRAME * TICK_FRAMES) {
      const tickP = p0 + FRAME * TICK_FRAMES;
      const paused = tickP > 2 * RATE && tickP < (2 + pauseSec) * RATE;
      for (; !paused && (k + 1) * FRAME + 2400 <= tickP; k++)
        src.write(k * FRAME, tone, tickP, (tickP / RATE) * 1000);
      for (let f = 0; f < TICK_FRAMES; f++) src.read(buf, FRAME, p0 + f * FRAME);
    }
    ON_AIR.value = false;
    return src.arrivedNoiseMs();
  };
  const bursty = runWith(1, false);
  assert.ok(bursty > 2800, `a 1 s pause off air is burstiness, the run holds (${bursty} ms)`);
  // After an outage the run holds only audio that came in time: from the read position at the
  // resumption (≈ 0.35 s behind it) to the newest, ≈ 1.3 s, instead of everything since 0.
  const outage = runWith(2.5, false);
  assert.ok(outage < 1500, `a pause longer than maxBufferMs is an outage (${outage} ms)`);
  const dryOnAir = runWith(1, true);
  assert.ok(dryOnAir < 1500, `running dry on air breaks the run (${dryOnAir} ms)`);
});
