import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import koffi from "koffi";
import { AudioDecoder, type DecoderCodec } from "../../src/decode/audio-decoder.js";
import { loadLibav } from "../../src/decode/libav-check.js";
import type { Libav } from "../../src/decode/libav.js";
import { Resampler } from "../../src/decode/resampler.js";
import { makeEs, scratch, splitFrames } from "./libav-fixtures.js";

let lib: Libav;
const tmp = scratch();
before(() => {
  lib = loadLibav();
});
after(() => tmp.done());

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/**
 * glibc's count of bytes in use by malloc (mallinfo2: uordblks + hblkhd). libav allocates
 * through it (av_malloc → posix_memalign), so a native leak shows here byte for byte, apart
 * from V8's heap sizing that makes RSS noisy.
 */
const mallinfo2 = (() => {
  const fields = [
    "arena",
    "ordblks",
    "smblks",
    "hblks",
    "hblkhd",
    "usmblks",
    "fsmblks",
    "uordblks",
    "fordblks",
    "keepcost",
  ];
  koffi.struct("antenne_test_mallinfo2", Object.fromEntries(fields.map((f) => [f, "size_t"])));
  return koffi.load("libc.so.6").func("antenne_test_mallinfo2 mallinfo2(void)") as () => Record<
    string,
    number | bigint
  >;
})();

interface Usage {
  native: number;
  heap: number;
  external: number;
  rss: number;
}

async function usage(): Promise<Usage> {
  gc();
  await sleep(50); // V8 frees ArrayBuffer backing stores on a background sweeper
  gc();
  const m = process.memoryUsage();
  const mi = mallinfo2();
  return {
    native: Number(mi.uordblks) + Number(mi.hblkhd),
    heap: m.heapUsed,
    external: m.external,
    rss: m.rss,
  };
}

const MiB = 1024 * 1024;
const growth = (a: Usage, b: Usage) =>
  `native ${((b.native - a.native) / 1024).toFixed(0)} KiB, heap ${((b.heap - a.heap) / 1024).toFixed(0)} KiB, ` +
  `external ${((b.external - a.external) / 1024).toFixed(0)} KiB, rss ${((b.rss - a.rss) / MiB).toFixed(2)} MiB`;

/** Decodes and resamples (44.1 → 48 kHz, so swr works) `minutes` of a looped 10 s ES. */
async function soak(codec: DecoderCodec, minutes: number, perFrame: () => void = () => undefined) {
  const file = await makeEs(tmp.dir, { codec, rate: 44100, channels: 2, seconds: 10 });
  const frames = splitFrames(codec, readFileSync(file));
  const dec = new AudioDecoder(lib);
  dec.open(codec);
  const rs = new Resampler(lib, { sampleRate: 48000, channels: 2 });
  let n = 0;
  let out = 0;
  const minute = () => {
    for (let k = 0; k < 6; k++) {
      for (const f of frames) {
        for (const b of dec.decode(f, n++ * 2000)) out += rs.convert(b).length / 2;
        perFrame();
      }
    }
  };
  minute(); // pools, JIT and V8's heap settle during the first minute
  const start = await usage();
  for (let m = 1; m < minutes; m++) minute();
  const end = await usage();
  dec.close();
  rs.close();
  return { start, end, dec, frames: n, samplesOut: out };
}

for (const codec of ["aac", "mp2", "mp3"] as DecoderCodec[]) {
  void test(`${codec}: 10 minutes decoded and resampled, memory flat`, async () => {
    const r = await soak(codec, 10);
    const text = growth(r.start, r.end);
    assert.equal(r.dec.errors, 0, `${r.dec.lastError}`);
    const frameSamples = codec === "aac" ? 1024 : 1152;
    assert.ok(r.frames * frameSamples >= 600 * 44100, "10 minutes");
    assert.ok(
      Math.abs(r.samplesOut - (r.frames * frameSamples * 48000) / 44100) < 64,
      `${r.samplesOut} samples out`,
    );
    // A leak of 100 bytes a frame would be ~2.5 MiB native over these 9 minutes.
    assert.ok(r.end.native - r.start.native < 256 * 1024, text);
    assert.ok(r.end.heap - r.start.heap < MiB, text);
    assert.ok(r.end.external - r.start.external < MiB, text);
    // RSS moves with V8's heap sizing (measured: +2 to +4 MiB over minutes 1-10, then flat): a sanity bound.
    assert.ok(r.end.rss - r.start.rss < 8 * MiB, text);
  });
}

void test("the native measure sees a leak of 100 bytes a frame within two minutes", async () => {
  const leaked: bigint[] = [];
  const r = await soak("aac", 3, () => leaked.push(lib.malloc(100)));
  for (const p of leaked) lib.free(p);
  assert.ok(r.end.native - r.start.native > 256 * 1024, growth(r.start, r.end));
});

void test("open/close 2000 decoders of each engine and resamplers: no native memory kept", async () => {
  const es = async (codec: DecoderCodec) =>
    splitFrames(
      codec,
      readFileSync(await makeEs(tmp.dir, { codec, rate: 44100, channels: 2, seconds: 0.2 })),
    );
  const streams = { aac: await es("aac"), mp2: await es("mp2"), ac3: await es("ac3") };
  let n = 0;
  const cycle = () => {
    const codec = (["aac", "mp2", "ac3"] as const)[n++ % 3]!;
    const frames = streams[codec];
    const dec = new AudioDecoder(lib);
    dec.open(codec);
    const rs = new Resampler(lib, { sampleRate: 48000, channels: 2 });
    for (const f of frames.slice(0, 3)) for (const b of dec.decode(f, 0)) rs.convert(b);
    dec.close();
    rs.close();
  };
  for (let i = 0; i < 200; i++) cycle();
  const start = await usage();
  for (let i = 0; i < 2000; i++) cycle();
  const end = await usage();
  // An AAC decoder alone is ~100 KiB: one kept per cycle would be ~200 MiB.
  assert.ok(end.native - start.native < 256 * 1024, growth(start, end));
});
