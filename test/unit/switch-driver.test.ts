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

test("a manual switch lands on the first frame due after the request, not on frames due before it", async () => {
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
  assert.ok(r.ok);
  let outcome: unknown = null;
  void r.outcome.then((o) => (outcome = o));
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
  await Promise.resolve();
  assert.deepEqual(outcome, { applied: true });
  assert.equal(sw.update(obs, 1080, 1060), null);

  // Asking for the input already on air sets the preference at once: nothing to place.
  const again = sw.request("backup", 1100);
  assert.ok(again.ok);
  assert.deepEqual(await again.outcome, { applied: true });
  // An unknown input is refused at once.
  assert.equal(sw.request("nope", 1100).ok, false);
});

test("a switch refused at its frame (the input failed meanwhile) resolves as refused and leaves the preference", async () => {
  const sw = new ChannelSwitch({
    inputs: [
      { id: "main", autofallback: true },
      { id: "backup", autofallback: true },
    ],
    sampleRate: 48000,
    channels: 2,
    availability: { thresholdDb: -40, maxBlankSec: 5, minNoiseSec: 0.2 },
    returnDelaySec: 1,
    preferred: null,
    log: pino({ level: "silent" }),
  });
  const pcm = tone(0.25);
  const obs = (backupOk: boolean): InputObservation[] => [
    { id: "main", hasAudio: true, pcm, delivered: FRAME },
    { id: "backup", hasAudio: backupOk, pcm, delivered: backupOk ? FRAME : 0 },
  ];
  let t = 0;
  for (; t < 1000; t += 20) sw.update(obs(true), t + 20, t);
  const r = sw.request("backup", 1030);
  assert.ok(r.ok);
  // The backup starves before the switch's frame comes.
  sw.update(obs(false), 1080, 1040);
  const o = await r.outcome;
  assert.equal(o.applied, false);
  assert.match(!o.applied ? o.reason : "", /not available/);
  assert.equal(sw.active, "main");
  assert.equal(sw.state.preferred, null, "a refused switch leaves the preference as it was");
});
