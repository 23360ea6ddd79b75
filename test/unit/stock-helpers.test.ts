/**
 * The stock-sender test instruments, checked on signals whose answer is known, so a pass of the
 * e2e cases means the program was clean, not that the instruments were blind:
 * - time-signal: a program that repeats or skips k samples of the reference reads as a jump of
 *   -k / +k (to a fraction of a sample), also while the rate is steered by 0.1 %;
 * - tone-windows: a clean tone passes; a 1 ms skip, a gap, the wrong tone and silence are caught;
 * - udp-relay: a seed drops the same datagrams every run, at the asked rate, with the delay asked.
 */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { test } from "node:test";
import { jumpAt, noiseReference } from "../helpers/time-signal.js";
import { disturbedWindows, type Expected } from "../helpers/tone-windows.js";
import { UdpRelay } from "../helpers/udp-relay.js";

const RATE = 48000;

/** y[n] = ref[lag(n)] with linear interpolation: a program that plays the reference. */
function play(ref: Float32Array, n: number, lag: (i: number) => number): Float32Array {
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const p = i + lag(i);
    const k = Math.floor(p);
    const f = p - k;
    y[i] = (ref[k] ?? 0) * (1 - f) + (ref[k + 1] ?? 0) * f;
  }
  return y;
}

void test("time-signal: repeats and skips read as their length, rate steering does not", () => {
  const ref = noiseReference(6, RATE, 7);
  const at = 2 * RATE;
  for (const k of [0, 1, -1, 7.5, -480, 2400]) {
    for (const ppm of [0, 1000]) {
      const base = 12_345;
      const y = play(ref, 4 * RATE, (i) => base + i * ppm * 1e-6 + (i >= at ? k : 0));
      const j = jumpAt(y, ref, at, base + 3000, { radius: RATE / 4 });
      assert.ok(Math.abs(j.samples - k) < 0.2, `jump ${k} at ${ppm} ppm read as ${j.samples.toFixed(3)}`);
      assert.ok(Math.abs(j.steeringPpm[0] - ppm) < 30, `steering ${j.steeringPpm[0].toFixed(0)} ppm`);
      assert.ok(j.rhoMin > 0.95, `ρ ${j.rhoMin}`);
    }
  }
});

void test("tone-windows: clean, skipped, gapped, wrong and silent windows", () => {
  const n = RATE;
  const tone =
    (f: number, a: number, phase = 0) =>
    (i: number) =>
      a * Math.sin((2 * Math.PI * f * i) / RATE + phase);
  const make = (fn: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => fn(i));
  const expect440: Expected = { kind: "tone", freq: 440 };
  const judge = (x: Float32Array, e: Expected = expect440) =>
    disturbedWindows(
      x,
      0,
      n,
      [440, 1000],
      () => e,
      () => 0.125,
    );
  assert.equal(judge(make(tone(440, 0.125))).disturbed.length, 0, "a clean tone");
  // 1 ms of the tone skipped at 0.5 s: its window holds a phase jump.
  const skip = make((i) => tone(440, 0.125)(i < n / 2 ? i : i + 48));
  assert.deepEqual(
    judge(skip).disturbed.map((d) => d.at),
    [24000],
  );
  const gap = make((i) => (i >= 30000 && i < 30480 ? 0 : tone(440, 0.125)(i)));
  assert.ok(judge(gap).disturbed.length >= 1, "a 10 ms gap");
  assert.equal(judge(make(tone(1000, 0.125))).disturbed.length, 100, "the wrong tone everywhere");
  assert.equal(judge(make(() => 0)).disturbed.length, 100, "silence where a tone is due");
  assert.equal(
    judge(
      make(() => 0),
      { kind: "silence" },
    ).disturbed.length,
    0,
    "silence where silence is due",
  );
  const either: Expected = { kind: "oneOf", options: [expect440, { kind: "silence" }] };
  assert.equal(
    judge(
      make((i) => (i < n / 2 ? 0 : tone(440, 0.125)(i))),
      either,
    ).disturbed.length,
    0,
  );
});

async function sendThrough(
  relay: UdpRelay,
  targetPort: number,
  count: number,
): Promise<{ got: number[]; delays: number[] }> {
  const target = createSocket("udp4");
  const sender = createSocket("udp4");
  const got: number[] = [];
  const delays: number[] = [];
  const sentAt = new Map<number, number>();
  target.on("message", (m) => {
    const id = m.readUInt32BE(0);
    got.push(id);
    delays.push(performance.now() - sentAt.get(id)!);
  });
  await new Promise<void>((r) => target.bind(targetPort, "127.0.0.1", () => r()));
  await new Promise<void>((r) => sender.bind(0, "127.0.0.1", () => r()));
  for (let i = 0; i < count; i++) {
    const b = Buffer.alloc(16);
    b.writeUInt32BE(i, 0);
    sentAt.set(i, performance.now());
    sender.send(b, relay.port, "127.0.0.1");
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 300));
  await Promise.all([target, sender].map((s) => new Promise<void>((r) => s.close(() => r()))));
  return { got, delays };
}

void test("udp-relay: a seed loses the same datagrams at the asked rate, delayed as asked", async () => {
  const runs: number[][] = [];
  for (let k = 0; k < 2; k++) {
    const port = await freeUdp();
    const relay = await UdpRelay.start({ targetPort: port, lossRate: 0.05, delayMs: 20, seed: 42 });
    const { got, delays } = await sendThrough(relay, port, 2000);
    await relay.close();
    runs.push(got.sort((a, b) => a - b));
    const lost = 2000 - got.length;
    assert.ok(lost > 60 && lost < 140, `${lost} of 2000 lost (5 % = 100)`);
    assert.equal(relay.stats.forward.dropped, lost);
    const sorted = [...delays].sort((a, b) => a - b);
    assert.ok(sorted[0]! >= 19, `min delay ${sorted[0]!.toFixed(1)} ms`);
  }
  assert.deepEqual(runs[0], runs[1], "the same datagrams lost with the same seed");
});

function freeUdp(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket("udp4");
    s.bind(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
