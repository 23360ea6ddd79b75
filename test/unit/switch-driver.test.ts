import assert from "node:assert/strict";
import { test } from "node:test";
import { pino } from "pino";
import { ChannelSwitch } from "../../src/engine/switch-driver.js";
import type { InputObservation } from "../../src/engine/program.js";

const RATE = 48000;
const FRAME = 960;

function tone(amp: number): Float32Array {
  const pcm = new Float32Array(FRAME * 2);
  for (let i = 0; i < FRAME; i++)
    pcm[2 * i] = pcm[2 * i + 1] = amp * Math.sin((2 * Math.PI * 440 * i) / RATE);
  return pcm;
}

test("a manual switch lands on the first frame due after the request, not on frames due before it", () => {
  const sw = new ChannelSwitch({
    inputs: [
      { id: "main", autofallback: true },
      { id: "backup", autofallback: true },
    ],
    sampleRate: RATE,
    channels: 2,
    availability: { thresholdDb: -40, maxBlankSec: 2, minNoiseSec: 0.1 },
    returnDelaySec: 1,
    preferred: null,
    log: pino({ level: "silent" }),
  });
  const pcm = tone(0.25);
  const obs: InputObservation[] = ["main", "backup"].map((id) => ({
    id,
    hasAudio: true,
    pcm,
    delivered: FRAME,
  }));
  // 1 s of frames due every 20 ms: both inputs available, main on air (priority).
  let t = 0;
  for (; t < 1000; t += 20) sw.update(obs, t + 20, t);
  assert.equal(sw.active, "main");

  // The request comes at t = 1030 ms; the next tick (at 1080 ms) produces frames due at 1000,
  // 1020, 1040, 1060: the switch belongs on the one due at 1040.
  const r = sw.request("backup", 1030);
  assert.deepEqual(r, { ok: true, changed: true });
  assert.equal(sw.switching, true);
  assert.equal(sw.active, "main", "nothing changes before the frame it lands on");
  assert.equal(sw.update(obs, 1080, 1000), null);
  assert.equal(sw.update(obs, 1080, 1020), null);
  assert.equal(sw.active, "main");
  assert.deepEqual(sw.update(obs, 1080, 1040), {
    from: "main",
    to: "backup",
    reason: "manual",
    transition: "crossfade",
  });
  assert.equal(sw.active, "backup");
  assert.equal(sw.state.preferred, "backup");
  assert.equal(sw.switching, false);
  assert.equal(sw.update(obs, 1080, 1060), null);

  // Asking for the input already on air sets the preference at once: nothing to place.
  assert.deepEqual(sw.request("backup", 1100), { ok: true, changed: false });
  assert.equal(sw.switching, false);
  // An unknown input is refused at once.
  assert.equal(sw.request("nope", 1100).ok, false);
});
