/**
 * Availability and switcher together, fed like the program feeds them: every 20 ms frame,
 * each input's (hasAudio, rms level) goes through `nextHealth`, then `decide` runs.
 * Times in the expected events are frame END times in seconds.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initialHealth, nextHealth, type InputHealth } from "../../src/switcher/availability.js";
import { decide, initialSwitcherState, type SwitcherInput } from "../../src/switcher/switcher.js";

const FRAME_MS = 20;
const CFG = { thresholdDb: -40, maxBlankSec: 5, minNoiseSec: 1, starvationMs: 300 };
type Sig = "tone" | "silence" | "gone" | "stutter";

/** Signal of an input at time t (frame start), from "t:signal …" (t in seconds). */
function signalAt(timeline: string, ms: number): Sig {
  let sig: Sig = "gone";
  for (const tok of timeline.trim().split(/\s+/)) {
    const [t, s] = tok.split(":");
    if (Math.round(Number(t) * 1000) <= ms) sig = s as Sig;
  }
  return sig;
}

function observe(sig: Sig, frameStartMs: number): { hasAudio: boolean; levelDb: number } {
  if (sig === "gone") return { hasAudio: false, levelDb: -120 };
  // stutter: a tone with one silent frame every 500 ms (never minNoiseSec of continuous noise).
  const silent = sig === "silence" || (sig === "stutter" && frameStartMs % 500 === 0);
  return { hasAudio: true, levelDb: silent ? -80 : -20 };
}

function run(inputs: { id: string; timeline: string }[], untilSec: number) {
  let state = initialSwitcherState({ returnDelaySec: 5 });
  const health = new Map<string, InputHealth>(inputs.map((i) => [i.id, initialHealth(0)]));
  const events: string[] = [];
  for (let start = 0; start < untilSec * 1000; start += FRAME_MS) {
    const now = start + FRAME_MS;
    const obs: SwitcherInput[] = inputs.map((i) => {
      const h = nextHealth(
        health.get(i.id)!,
        { nowMs: now, ...observe(signalAt(i.timeline, start), start) },
        CFG,
      );
      health.set(i.id, h);
      return { id: i.id, autofallback: true, available: h.available, blank: h.blank, starved: h.starved };
    });
    const d = decide(state, obs, now);
    state = d.state;
    if (d.switch) {
      const s = d.switch;
      events.push(`${now / 1000} ${s.from ?? "-"}>${s.to ?? "-"} ${s.reason} ${s.transition}`);
    }
  }
  return { events, state, health };
}

void test("timeline: minNoiseSec, starvation, returnDelaySec and blank from raw frame observations", () => {
  const { events, health } = run(
    [
      { id: "A", timeline: "0:tone 10:gone 12:tone 30:silence 40:tone" },
      { id: "B", timeline: "0:tone" },
    ],
    50,
  );
  assert.deepEqual(events, [
    "1 ->A return crossfade", // both need minNoiseSec; A wins on priority
    "10.02 A>B failover cut", // the first starved frame
    "18 B>A return crossfade", // available at 13 (minNoiseSec), settled at 18 (returnDelaySec)
    "35 A>B blank cut", // maxBlankSec of silence
    "46 B>A return crossfade", // noise from 40: available at 41, settled at 46
  ]);
  // A unavailable 0–1, 10.02–13, 35–41.
  assert.equal(health.get("A")!.unavailableMs, 1000 + 2980 + 6000);
  assert.equal(health.get("B")!.unavailableMs, 1000);
});

void test("timeline: minNoiseSec gating: an input that never carries minNoiseSec of continuous noise never goes on air", () => {
  const { events, health } = run(
    [
      { id: "A", timeline: "0:stutter" },
      { id: "B", timeline: "0:silence 3:tone" },
    ],
    20,
  );
  assert.deepEqual(events, ["4 ->B return crossfade"]);
  assert.equal(health.get("A")!.available, false);
  assert.equal(health.get("A")!.blank, false);
});

void test("timeline: a fresh silent input goes blank after maxBlankSec and is never put on air", () => {
  const { events, health } = run([{ id: "A", timeline: "0:silence" }], 10);
  assert.deepEqual(events, []);
  assert.equal(health.get("A")!.blank, true);
  assert.equal(health.get("A")!.blankSince, 5000);
});
