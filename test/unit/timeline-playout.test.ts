/**
 * The input timing model on synthetic timelines: senders that are smooth, bursty, lossy, fast or
 * slow, and two paths of one programme. The audio is a ramp that encodes its own input position
 * (cubic interpolation reproduces a straight line exactly), so every program sample says which
 * input sample it played: repeats, skips and shifts are measured to the sample.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { silentLogger } from "../../src/log.js";
import { Playout } from "../../src/engine/timeline/playout.js";
import { TimedSource } from "../../src/engine/timeline/timed-source.js";
import { seededRandom } from "../helpers/random.js";

const RATE = 48000;
const FRAME = 960;
const TICK_FRAMES = 3;
/** The ramp's period: positions mod this, scaled to [0, 1). */
const RAMP = 2 ** 20;

interface Sender {
  /** Sender clock: input samples produced per program sample. */
  rate: number;
  /** Samples per chunk the sender emits. */
  chunk: number;
  /** Arrival delay of a chunk after its last sample was made, in samples (≥ min). */
  delay: (k: number) => number;
  /** Chunks dropped on the way. */
  lost?: (k: number) => boolean;
  /** Input position of the first sample (a sender's PTS origin). */
  t0?: number;
  /** Added to the positions the sender stamps, not to its content (another PTS epoch). */
  label?: number;
}

interface Arrival {
  pArr: number;
  t: number;
  pcm: Float32Array;
}

function arrivals(s: Sender, fromP: number, toP: number): Arrival[] {
  const out: Arrival[] = [];
  const t0 = s.t0 ?? 0;
  // SRT delivers in order: a chunk never overtakes the one before it.
  let last = -Infinity;
  for (let k = 0; ; k++) {
    const tEnd = (k + 1) * s.chunk;
    const made = fromP + tEnd / s.rate;
    if (made > toP) break;
    if (s.lost?.(k)) continue;
    const pcm = new Float32Array(s.chunk);
    for (let i = 0; i < s.chunk; i++) pcm[i] = ((t0 + k * s.chunk + i) % RAMP) / RAMP;
    last = Math.max(last, made + s.delay(k));
    out.push({ pArr: last, t: t0 + k * s.chunk + (s.label ?? 0), pcm });
  }
  return out;
}

interface Run {
  /** Input position each program sample played (NaN where the input was dry). */
  played: Float64Array;
  dryFrames: number;
  firstWholeP: number | null;
}

/**
 * Runs mono inputs through the program loop (60 ms ticks, 20 ms frames); the timeline is on air
 * from `onAirFromSec` (a listener hears it: the playout must not jump any more).
 */
function run(sources: { src: TimedSource; arrivals: Arrival[] }[], seconds: number, onAirFromSec = 3): Run[] {
  const startP = 0;
  const tick = FRAME * TICK_FRAMES;
  const total = Math.floor((seconds * RATE) / tick) * tick;
  const runs = sources.map(() => ({
    played: new Float64Array(total).fill(NaN),
    dryFrames: 0,
    firstWholeP: null as number | null,
  }));
  const next = sources.map(() => 0);
  const buf = new Float32Array(FRAME);
  for (let p = startP; p + FRAME * TICK_FRAMES <= startP + total; p += FRAME * TICK_FRAMES) {
    const tickP = p + FRAME * TICK_FRAMES;
    ON_AIR.value = p >= onAirFromSec * RATE;
    sources.forEach(({ src, arrivals: list }, i) => {
      while (next[i]! < list.length && list[next[i]!]!.pArr <= tickP) {
        const a = list[next[i]!++]!;
        src.write(a.t, a.pcm, tickP, (tickP / RATE) * 1000);
      }
    });
    for (let f = 0; f < TICK_FRAMES; f++) {
      const fp = p + f * FRAME;
      sources.forEach(({ src }, i) => {
        const n = src.read(buf, FRAME, fp);
        const r = runs[i]!;
        if (n < FRAME) r.dryFrames++;
        else r.firstWholeP ??= fp;
        for (let k = 0; k < n; k++) r.played[fp - startP + k] = buf[k]! * RAMP;
      });
    }
  }
  return runs;
}

/** Whether the timeline under test is on air (set by run()). */
const ON_AIR = { value: false };

function playout(minMs = 300, maxMs = 2000): Playout {
  return new Playout({
    id: "test",
    sampleRate: RATE,
    minDelayMs: minMs,
    maxDelayMs: maxMs,
    onAir: () => ON_AIR.value,
    log: silentLogger(),
  });
}

function source(id: string, p: Playout): TimedSource {
  const s = new TimedSource({ id, sampleRate: RATE, channels: 1, playout: p });
  s.restart(true);
  return s;
}

/**
 * How the played positions advance over windows of W samples, from `fromSec` on: W × (1 ± drift)
 * when the play is continuous; a skip or a repeat shows as a window off by its length. (Float32
 * ramp values carry 1/16 sample of precision: windows, not single steps.)
 */
function steps(r: Run, fromSec: number, w = 4800): { min: number; max: number; holes: number } {
  let min = Infinity;
  let max = -Infinity;
  let holes = 0;
  for (let i = fromSec * RATE; i < r.played.length; i++) if (Number.isNaN(r.played[i]!)) holes++;
  for (let i = fromSec * RATE; i + w < r.played.length; i += 97) {
    const a = r.played[i]!;
    const b = r.played[i + w]!;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    // Interpolation across the ramp's wrap is meaningless: windows that cross it are skipped.
    if (b < a || a < 8 || b > RAMP - 8) continue;
    min = Math.min(min, (b - a) / w);
    max = Math.max(max, (b - a) / w);
  }
  return { min, max, holes };
}

test("a smooth sender plays at the least delay (bufferMs), continuous, on time", () => {
  const rnd = seededRandom(1);
  const p = playout();
  const src = source("a", p);
  const list = arrivals({ rate: 1, chunk: 960, delay: () => 2400 + rnd() * 480 }, 0, 30 * RATE);
  const [r] = run([{ src, arrivals: list }], 30);
  assert.ok(r);
  const s = steps(r, 2);
  assert.equal(s.holes, 0, "never dry after priming");
  assert.ok(s.min > 0.999 && s.max < 1.001, `continuous: steps ${s.min}..${s.max}`);
  assert.equal(Math.round(p.delayMs), 300, "a smooth sender needs no more than bufferMs");
});

test("a sender that connects with a backlog sends it at once: backlog is not lateness, the delay stays at bufferMs", () => {
  const rnd = seededRandom(7);
  const p = playout();
  const src = source("a", p);
  // What the sender queued while connecting (1.1 s, as ffmpeg on the latency bench) arrives at
  // once when the connection is up; then it is smooth.
  const connectP = 1.1 * RATE;
  const list = arrivals(
    { rate: 1, chunk: 960, delay: (k) => Math.max(2400 + rnd() * 480, connectP + 2400 - (k + 1) * 960) },
    0,
    30 * RATE,
  );
  assert.ok(list[0]!.pArr >= connectP && list[50]!.pArr === list[0]!.pArr, "the backlog came in one burst");
  const [r] = run([{ src, arrivals: list }], 30);
  assert.ok(r);
  const s = steps(r, 3);
  assert.equal(s.holes, 0, "never dry on air");
  assert.ok(s.min > 0.999 && s.max < 1.001, `continuous: steps ${s.min}..${s.max}`);
  assert.equal(Math.round(p.delayMs), 300, `the backlog did not raise the delay (${p.delayMs} ms)`);
});

test("a sender that delivers in 1 s bursts is never starved: the target grows to cover the bursts", () => {
  const p = playout();
  const src = source("a", p);
  // 1 s of audio arrives at once, once a second.
  const list = arrivals({ rate: 1, chunk: 48000, delay: () => 480 }, 0, 40 * RATE);
  const [r] = run([{ src, arrivals: list }], 40);
  assert.ok(r);
  const s = steps(r, 3);
  assert.equal(s.holes, 0, "the audio due was always there");
  assert.ok(s.min > 0.999 && s.max < 1.001, `no skip or repeat: ${s.min}..${s.max}`);
  assert.ok(
    p.delayMs >= 1000 && p.delayMs <= 1320,
    `target ${p.delayMs} ms (the bursts plus a quarter of headroom)`,
  );
});

for (const ppm of [1000, -1113, 40]) {
  test(`a sender ${ppm} ppm off plays 10 minutes without under- or overrun; driftPpm measures it`, () => {
    const rnd = seededRandom(7);
    const p = playout();
    const src = source("a", p);
    const list = arrivals(
      { rate: 1 + ppm / 1e6, chunk: 1024, delay: () => 960 + rnd() * 1920 },
      0,
      600 * RATE,
    );
    const [r] = run([{ src, arrivals: list }], 600);
    assert.ok(r);
    const s = steps(r, 5);
    assert.equal(s.holes, 0, "never dry");
    assert.ok(Math.abs(src.driftPpm() - ppm) <= 50, `driftPpm ${src.driftPpm()} for a true ${ppm}`);
    assert.ok(s.min > 0.997 && s.max < 1.003, `rate within the ±0.2 % budget: ${s.min}..${s.max}`);
    // The delay held stays at its target (no slow drain, no growth).
    assert.ok(Math.abs(src.bufferMs() - p.delayMs) < 60, `held ${src.bufferMs()} ms vs target ${p.delayMs}`);
  });
}

test("5 % of chunks lost: each loss leaves a concealed gap of exactly its length, nothing shifts", () => {
  const rnd = seededRandom(3);
  const lostSet = new Set<number>();
  const p = playout();
  const src = source("a", p);
  const list = arrivals(
    {
      rate: 1,
      chunk: 1024,
      delay: () => 1000 + rnd() * 2000,
      lost: (k) => {
        const l = k > 100 && rnd() < 0.05;
        if (l) lostSet.add(k);
        return l;
      },
    },
    0,
    30 * RATE,
  );
  const [r] = run([{ src, arrivals: list }], 30);
  assert.ok(r && lostSet.size > 20);
  assert.equal(src.concealedFrames, lostSet.size * 1024 - 0, "every lost chunk concealed, nothing else");
  // Across every loss, the played position advances as if nothing was lost: windows of 100 ms
  // whose ends are clean ramp samples advance 4800 × (1 ± 0.2 %), never by a chunk more or less.
  // A clean ramp sample: its neighbours step by one sample (a fade or silence does not).
  const clean = (i: number) =>
    r.played[i]! > 8 && Math.abs((r.played[i + 4]! - r.played[i - 4]!) / 8 - 1) < 0.01;
  let checked = 0;
  let worst = 0;
  for (let i = 5 * RATE; i + 4800 < r.played.length; i += 101) {
    const a = r.played[i]!;
    const b = r.played[i + 4800]!;
    if (!(b > a && b < RAMP - 8) || !clean(i) || !clean(i + 4800)) continue;
    checked++;
    worst = Math.max(worst, Math.abs((b - a) / 4800 - 1));
  }
  assert.ok(checked > 1000, `checked ${checked} windows`);
  assert.ok(worst <= 0.0021, `no shift across losses: worst rate deviation ${worst}`);
});

test("two paths of one programme, one 150 ms later: both play the same input position at every sample", () => {
  const rnd = seededRandom(5);
  const p = playout();
  const a = source("a", p);
  const b = source("b", p);
  const la = arrivals({ rate: 1, chunk: 1024, delay: () => 500 + rnd() * 500, t0: 123456 }, 0, 30 * RATE);
  const lb = arrivals(
    { rate: 1, chunk: 1024, delay: () => 0.15 * RATE + 500 + rnd() * 500, t0: 123456 },
    0,
    30 * RATE,
  );
  const [ra, rb] = run(
    [
      { src: a, arrivals: la },
      { src: b, arrivals: lb },
    ],
    30,
  );
  assert.ok(ra && rb);
  let worst = 0;
  for (let i = 3 * RATE; i < ra.played.length; i++) {
    const d = Math.abs(ra.played[i]! - rb.played[i]!);
    if (Number.isNaN(d)) assert.fail(`a path was dry at sample ${i}`);
    worst = Math.max(worst, d);
  }
  assert.ok(worst <= 1, `a switch at any sample jumps ≤ 1 sample (worst ${worst})`);
  assert.ok(p.delayMs >= 300, "the group holds at least bufferMs past the later path");
});

test("a sender that stops: its buffered audio plays to its end, then the timeline is dry", () => {
  const p = playout();
  const src = source("a", p);
  const list = arrivals({ rate: 1, chunk: 960, delay: () => 480 }, 0, 10 * RATE);
  const [r] = run([{ src, arrivals: list }], 12);
  assert.ok(r);
  // The last audio made is t = 10 s; it plays ~target + transport later, then nothing.
  const lastPlayed = [...r.played].findLastIndex((v) => !Number.isNaN(v));
  const expected = 10 * RATE + 480 + p.delay;
  assert.ok(Math.abs(lastPlayed - expected) < FRAME * TICK_FRAMES, `played to ${lastPlayed} (≈ ${expected})`);
});

test("a path that joined after a PTS wrap (another 2^33 epoch) is aligned on the group", () => {
  const rnd = seededRandom(9);
  const wrap = (2 ** 33 * RATE) / 90000;
  const p = playout();
  const a = source("a", p);
  const b = source("b", p);
  const la = arrivals({ rate: 1, chunk: 1024, delay: () => 500 + rnd() * 500, t0: 1000 }, 0, 20 * RATE);
  // The same audio, numbered one wrap period later (its unwrapping started in the next epoch).
  const lb = arrivals(
    { rate: 1, chunk: 1024, delay: () => 900 + rnd() * 500, t0: 1000, label: wrap },
    0,
    20 * RATE,
  );
  const [ra, rb] = run(
    [
      { src: a, arrivals: la },
      { src: b, arrivals: lb },
    ],
    20,
  );
  assert.ok(ra && rb);
  let worst = 0;
  for (let i = 3 * RATE; i < ra.played.length; i++)
    worst = Math.max(worst, Math.abs(ra.played[i]! - rb.played[i]!));
  assert.ok(worst <= 1, `both paths play the same audio at every sample (worst ${worst})`);
});

test("on air, a silent sender whose next burst comes late is waited for, not failed over", () => {
  const p = playout();
  const src = new TimedSource({ id: "a", sampleRate: RATE, channels: 1, playout: p, silenceDb: -40 });
  src.restart(true);
  // 8 s of tone, then 4 s of silence, both in 20 ms chunks; then silence in bursts 700 ms apart.
  const list: Arrival[] = [];
  for (let k = 0; k < 600; k++) {
    const pcm = new Float32Array(960).fill(k < 400 ? 0.25 : 0);
    list.push({ pArr: (k + 1) * 960 + 480, t: k * 960, pcm });
  }
  for (let b = 0; b < 8; b++) {
    const t = 600 * 960 + b * 33600;
    list.push({ pArr: t + 33600 + 480, t, pcm: new Float32Array(33600) });
  }
  const [r] = run([{ src, arrivals: list }], 17);
  assert.ok(r);
  assert.equal(steps(r, 3).holes, 0, "never dry on air: the silence is held while the bursts come");
  assert.ok(src.stalledFrames > 0, "it did hold");
  assert.ok(p.delayMs >= 650 && p.delayMs <= 2000, `the delay grew to cover the bursts (${p.delayMs} ms)`);
});

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
