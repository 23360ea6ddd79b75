/**
 * The switcher on synthetic timelines. Each scenario gives every input's health as a
 * timeline "t:state …" (t in seconds, states: up = available, starved, blank,
 * warm = delivering but not yet available), runs `decide` every 100 ms, applies manual
 * actions just before `decide` at their tick, and pins the switch events
 * "t from>to reason transition" ("-" is no input) and the final state.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  clearPreference,
  decide,
  initialSwitcherState,
  requestSwitch,
  type SwitcherInput,
  type SwitcherState,
} from "../../src/switcher/switcher.js";

type Health = "up" | "starved" | "blank" | "warm";
const TICK_MS = 100;

interface Action {
  t: number;
  switch?: string;
  clear?: true;
  /** For a switch expected to be refused: the reason must match. */
  refused?: RegExp;
}

interface Scenario {
  name: string;
  inputs: { id: string; manual?: true; timeline: string }[];
  returnDelaySec?: number;
  preferred?: string;
  until: number;
  actions?: Action[];
  events: string[];
  final: { active: string | null; preferred?: string | null };
}

function parseTimeline(s: string): { ms: number; h: Health }[] {
  return s
    .trim()
    .split(/\s+/)
    .map((tok) => {
      const [t, h] = tok.split(":");
      return { ms: Math.round(Number(t) * 1000), h: h as Health };
    });
}

function healthAt(timeline: { ms: number; h: Health }[], ms: number): Health {
  let h: Health = "starved";
  for (const p of timeline) if (p.ms <= ms) h = p.h;
  return h;
}

const fmt = (id: string | null): string => id ?? "-";

function run(sc: Scenario): { events: string[]; state: SwitcherState } {
  const timelines = sc.inputs.map((i) => ({ ...i, tl: parseTimeline(i.timeline) }));
  let state = initialSwitcherState({
    returnDelaySec: sc.returnDelaySec ?? 5,
    preferred: sc.preferred ?? null,
  });
  const events: string[] = [];
  const record = (
    ms: number,
    e: { from: string | null; to: string | null; reason: string; transition: string },
  ) => events.push(`${ms / 1000} ${fmt(e.from)}>${fmt(e.to)} ${e.reason} ${e.transition}`);
  for (let ms = 0; ms <= sc.until * 1000; ms += TICK_MS) {
    const inputs: SwitcherInput[] = timelines.map((i) => {
      const h = healthAt(i.tl, ms);
      return {
        id: i.id,
        autofallback: !i.manual,
        available: h === "up",
        blank: h === "blank",
        starved: h === "starved",
      };
    });
    for (const a of sc.actions ?? []) {
      if (Math.round(a.t * 1000) !== ms) continue;
      if (a.clear) state = clearPreference(state);
      if (a.switch !== undefined) {
        const r = requestSwitch(state, a.switch, inputs, ms);
        if (a.refused) {
          assert.equal(r.ok, false, `switch to ${a.switch} at ${a.t} should be refused`);
          if (!r.ok) assert.match(r.reason, a.refused);
        } else {
          assert.ok(r.ok, `switch to ${a.switch} at ${a.t} refused: ${r.ok ? "" : r.reason}`);
          state = r.state;
          if (r.switch) record(ms, r.switch);
        }
      }
    }
    const d = decide(state, inputs, ms);
    state = d.state;
    if (d.switch) record(ms, d.switch);
    // The state must survive a JSON round trip unchanged (it is persisted and logged).
    assert.deepEqual(JSON.parse(JSON.stringify(state)), state);
  }
  return { events, state };
}

const scenarios: Scenario[] = [
  {
    name: "start: the highest-priority available input goes on air at once",
    inputs: [
      { id: "A", timeline: "0:up" },
      { id: "B", timeline: "0:up" },
    ],
    until: 20,
    events: ["0 ->A return crossfade"],
    final: { active: "A" },
  },
  {
    name: "a flapping input never returns while it flaps, then returns returnDelaySec after it settles",
    inputs: [
      { id: "A", timeline: "0:up 10:starved 12:up 14:starved 16:up 18:starved 20:up 24.9:starved 26:up" },
      { id: "B", timeline: "0:up" },
    ],
    until: 40,
    events: ["0 ->A return crossfade", "10 A>B failover cut", "31 B>A return crossfade"],
    final: { active: "A" },
  },
  {
    name: "every input down: null (silence), then the first one back goes on air at once",
    inputs: [
      { id: "A", timeline: "0:up 10:starved 25:up" },
      { id: "B", timeline: "0:up 12:blank 18:warm 20:up" },
    ],
    until: 40,
    events: [
      "0 ->A return crossfade",
      "10 A>B failover cut",
      "12 B>- blank cut",
      "20 ->B return crossfade",
      "30 B>A return crossfade",
    ],
    final: { active: "A" },
  },
  {
    name: "blank vs starvation: reason names why the active input was left",
    inputs: [
      { id: "A", timeline: "0:up 5:blank 10:up 20:starved" },
      { id: "B", timeline: "0:up" },
    ],
    until: 30,
    events: ["0 ->A return crossfade", "5 A>B blank cut", "15 B>A return crossfade", "20 A>B failover cut"],
    final: { active: "B" },
  },
  {
    name: "a dead preferred input: fall back by priority, keep the preference, return once settled",
    inputs: [
      { id: "A", timeline: "0:up" },
      { id: "B", timeline: "0:up 5:starved 8:up 9:starved 9.5:up" },
      { id: "C", timeline: "0:up" },
    ],
    until: 20,
    actions: [{ t: 1, switch: "B" }],
    events: [
      "0 ->A return crossfade",
      "1 A>B manual crossfade",
      "5 B>A failover cut",
      "14.5 A>B return crossfade",
    ],
    final: { active: "B", preferred: "B" },
  },
  {
    name: "preferred input persisted from a previous run: used as soon as it is available",
    inputs: [
      { id: "A", timeline: "0:up" },
      { id: "B", timeline: "0:warm 1:up" },
    ],
    preferred: "B",
    until: 10,
    events: ["0 ->A return crossfade", "6 A>B return crossfade"],
    final: { active: "B", preferred: "B" },
  },
  {
    name: "the active input fails while a higher one is still in its return delay: the settled lower one takes over",
    inputs: [
      { id: "A", timeline: "0:starved 10:up" },
      { id: "B", timeline: "0:up 12:starved" },
      { id: "C", timeline: "0:up" },
    ],
    until: 20,
    events: ["0 ->B return crossfade", "12 B>C failover cut", "15 C>A return crossfade"],
    final: { active: "A" },
  },
  {
    name: "the active input fails on the very tick a higher one settles: one cut, straight to it",
    inputs: [
      { id: "A", timeline: "0:starved 10:up" },
      { id: "B", timeline: "0:up 15:starved" },
      { id: "C", timeline: "0:up" },
    ],
    until: 20,
    events: ["0 ->B return crossfade", "15 B>A failover cut"],
    final: { active: "A" },
  },
  {
    name: "simultaneous failures of the two best inputs",
    inputs: [
      { id: "A", timeline: "0:up 10:starved" },
      { id: "B", timeline: "0:up 10:blank" },
      { id: "C", timeline: "0:up" },
    ],
    until: 20,
    events: ["0 ->A return crossfade", "10 A>C failover cut"],
    final: { active: "C" },
  },
  {
    name: "a manual-only input is never used by autofallback, even when nothing else is left",
    inputs: [
      { id: "O", manual: true, timeline: "0:up" },
      { id: "A", timeline: "0:up 10:starved" },
      { id: "B", timeline: "0:up 10:starved" },
    ],
    until: 20,
    events: ["0 ->A return crossfade", "10 A>- failover cut"],
    final: { active: null },
  },
  {
    name: "preference for a manual-only input: on air while preferred and available, returns to it, left on clear",
    inputs: [
      { id: "O", manual: true, timeline: "0:up 15:starved 17:up" },
      { id: "A", timeline: "0:up 10:starved 16:up" },
      { id: "B", timeline: "0:up 10:starved" },
    ],
    until: 30,
    actions: [
      { t: 12, switch: "O" },
      { t: 25, clear: true },
    ],
    events: [
      "0 ->A return crossfade",
      "10 A>- failover cut",
      "12 ->O manual crossfade",
      "15 O>- failover cut",
      "16 ->A return crossfade",
      "22 A>O return crossfade",
      "25 O>A manual crossfade",
    ],
    final: { active: "A", preferred: null },
  },
  {
    name: "requestSwitch to an unavailable or unknown input is refused and changes nothing",
    inputs: [
      { id: "A", timeline: "0:up" },
      { id: "B", timeline: "0:starved 3:blank 6:warm" },
    ],
    until: 10,
    actions: [
      { t: 1, switch: "B", refused: /input "B" is not available: it is not receiving audio/ },
      { t: 4, switch: "B", refused: /input "B" is not available: it is blank/ },
      { t: 7, switch: "B", refused: /input "B" is not available: .*minNoiseSec/ },
      { t: 8, switch: "nope", refused: /unknown input "nope"/ },
    ],
    events: ["0 ->A return crossfade"],
    final: { active: "A", preferred: null },
  },
  {
    name: "clearPreference: back to plain priority order (the higher input returns once settled)",
    inputs: [
      { id: "A", timeline: "0:up" },
      { id: "B", timeline: "0:up" },
    ],
    until: 10,
    actions: [
      { t: 1, switch: "B" },
      { t: 3, clear: true },
    ],
    events: ["0 ->A return crossfade", "1 A>B manual crossfade", "5 B>A return crossfade"],
    final: { active: "A", preferred: null },
  },
  {
    name: "returnDelaySec gating: the delay restarts on every interruption",
    inputs: [
      { id: "A", timeline: "0:starved 10:up 13:starved 13.1:up" },
      { id: "B", timeline: "0:up" },
    ],
    until: 30,
    events: ["0 ->B return crossfade", "18.1 B>A return crossfade"],
    final: { active: "A" },
  },
  {
    name: "returnDelaySec 0: returns on the first tick the higher input is available",
    inputs: [
      { id: "A", timeline: "0:starved 10:up" },
      { id: "B", timeline: "0:up" },
    ],
    returnDelaySec: 0,
    until: 12,
    events: ["0 ->B return crossfade", "10 B>A return crossfade"],
    final: { active: "A" },
  },
  {
    name: "a manual switch to an input that is already active only sets the preference",
    inputs: [
      { id: "A", timeline: "0:up 5:starved" },
      { id: "B", timeline: "0:up" },
    ],
    until: 15,
    actions: [{ t: 1, switch: "A" }],
    events: ["0 ->A return crossfade", "5 A>B failover cut"],
    final: { active: "B", preferred: "A" },
  },
];

for (const sc of scenarios) {
  void test(`switcher: ${sc.name}`, () => {
    const { events, state } = run(sc);
    assert.deepEqual(events, sc.events);
    assert.equal(state.active, sc.final.active);
    if (sc.final.preferred !== undefined) assert.equal(state.preferred, sc.final.preferred);
  });
}

void test("switcher: requestSwitch returns a reason code the API maps to 404 / 409", () => {
  const inputs: SwitcherInput[] = [
    { id: "A", autofallback: true, available: false, blank: false, starved: true },
  ];
  const s = initialSwitcherState({ returnDelaySec: 5 });
  const unknown = requestSwitch(s, "X", inputs, 0);
  const unavailable = requestSwitch(s, "A", inputs, 0);
  assert.ok(!unknown.ok && unknown.code === "unknown");
  assert.ok(!unavailable.ok && unavailable.code === "unavailable");
});

void test("switcher: inputs removed from the config are forgotten; an active one that vanished fails over", () => {
  let s = initialSwitcherState({ returnDelaySec: 5 });
  const both: SwitcherInput[] = [
    { id: "A", autofallback: true, available: true, blank: false, starved: false },
    { id: "B", autofallback: true, available: true, blank: false, starved: false },
  ];
  s = decide(s, both, 0).state;
  assert.equal(s.active, "A");
  const d = decide(s, both.slice(1), 100);
  assert.deepEqual(d.switch, { from: "A", to: "B", reason: "failover", transition: "cut" });
  assert.deepEqual(Object.keys(d.state.availableSince), ["B"]);
});

void test("switcher: decide and requestSwitch are pure (frozen inputs and state are not touched)", () => {
  const inputs = Object.freeze([
    Object.freeze({ id: "A", autofallback: true, available: false, blank: false, starved: true }),
    Object.freeze({ id: "B", autofallback: true, available: true, blank: false, starved: false }),
  ]);
  const s0 = Object.freeze({
    ...initialSwitcherState({ returnDelaySec: 5 }),
    availableSince: Object.freeze({}),
  });
  const d = decide(s0, inputs, 1000);
  assert.equal(d.state.active, "B");
  assert.deepEqual(decide(s0, inputs, 1000), d, "same input, same output");
  const r = requestSwitch(Object.freeze(d.state), "B", inputs, 1100);
  assert.ok(r.ok && r.switch === undefined && r.state.preferred === "B");
});

void test("switcher: an input proven on arrival returns returnDelaySec after it was proven, not after it is first seen", () => {
  let s = initialSwitcherState({ returnDelaySec: 3 });
  const input = (id: string, available: boolean, availableSinceMs?: number): SwitcherInput => ({
    id,
    autofallback: true,
    available,
    blank: false,
    starved: !available,
    availableSinceMs,
  });
  s = decide(s, [input("A", false), input("B", true)], 0).state;
  assert.equal(s.active, "B");
  // A is first seen available at 10 s; its arrived audio proved it at 9 s.
  s = decide(s, [input("A", true, 9000), input("B", true)], 10_000).state;
  assert.equal(s.availableSince.A, 9000);
  assert.equal(decide(s, [input("A", true, 9000), input("B", true)], 11_900).switch, undefined);
  const d = decide(s, [input("A", true, 9000), input("B", true)], 12_000);
  assert.deepEqual(d.switch, { from: "B", to: "A", reason: "return", transition: "crossfade" });
  // A time in the future is not believed.
  const f = decide(initialSwitcherState({ returnDelaySec: 3 }), [input("A", true, 50_000)], 10_000);
  assert.equal(f.state.availableSince.A, 10_000);
});
