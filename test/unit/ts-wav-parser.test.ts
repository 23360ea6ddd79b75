import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { WavParser, type WavError, type WavFormat } from "../../src/input/ts/wav-parser.js";
import { run } from "../helpers/proc.js";
import { ffmpegOut, prng } from "../helpers/ts-fixtures.js";

interface Parsed {
  formats: WavFormat[];
  /** Samples per header, concatenated. */
  pcm: Float32Array[];
  indices: number[][];
  errors: WavError[];
  parser: WavParser;
}

function parse(data: Buffer, chunkSize: (i: number) => number = () => data.length): Parsed {
  const out: Parsed = { formats: [], pcm: [], indices: [], errors: [], parser: undefined as never };
  const parts: Float32Array[][] = [];
  const p = new WavParser({
    format: (f) => {
      out.formats.push(f);
      parts.push([]);
      out.indices.push([]);
    },
    samples: (pcm, frames, index) => {
      assert.equal(pcm.length % frames, 0);
      parts.at(-1)?.push(pcm);
      out.indices.at(-1)?.push(index);
    },
    error: (e) => out.errors.push(e),
  });
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = Math.max(1, chunkSize(i));
    p.push(data.subarray(at, at + n));
    at += n;
  }
  p.end();
  out.pcm = parts.map((list) => {
    const all = new Float32Array(list.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of list) {
      all.set(a, at);
      at += a.length;
    }
    return all;
  });
  out.parser = p;
  return out;
}

/** `-f wav` to a pipe, as a sender streams it (sizes 0xFFFFFFFF, LIST chunk). */
function wavStream(
  codec: string,
  rate: number,
  channels: number,
  seconds = 0.5,
  freq = 440,
): Promise<Buffer> {
  const src = `sine=f=${freq}:r=${rate}:d=${seconds}`;
  return ffmpegOut(["-f", "lavfi", "-i", src, "-ac", `${channels}`, "-c:a", codec, "-f", "wav", "-"]);
}

/** ffmpeg's own reading of a WAV stream, as interleaved float. */
async function ffmpegFloat(wav: Buffer): Promise<Float32Array> {
  const raw = await ffmpegOut(["-f", "wav", "-i", "pipe:0", "-c:a", "pcm_f32le", "-f", "f32le", "-"], wav);
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
}

const FORMATS = [
  ["pcm_s16le", 48000, 2, "s16", false],
  ["pcm_s24le", 48000, 2, "s24", true],
  ["pcm_s32le", 44100, 2, "s32", true],
  ["pcm_f32le", 48000, 6, "f32", true],
  ["pcm_u8", 22050, 1, "u8", false],
  ["pcm_f64le", 48000, 1, "f64", true],
] as const;

for (const [codec, rate, channels, sampleFormat, extensible] of FORMATS) {
  test(`WAV ${codec} ${rate} Hz ${channels} ch from ffmpeg: format and every sample as ffmpeg decodes them`, async () => {
    const wav = await wavStream(codec, rate, channels);
    const [want, got] = [await ffmpegFloat(wav), parse(wav)];
    assert.deepEqual(got.errors, []);
    assert.equal(got.formats.length, 1);
    const f = got.formats[0] as WavFormat;
    assert.deepEqual(
      [f.sampleRate, f.channels, f.sampleFormat, f.extensible, f.dataBytes],
      [rate, channels, sampleFormat, extensible, null],
    );
    assert.equal(got.pcm[0]?.length, want.length);
    assert.deepEqual(got.pcm[0], want);
    assert.equal(got.parser.stats.bytesSkipped, 0);
  });
}

test("any chunking gives the same samples and indices (1-byte pushes, seeded random chunks)", async () => {
  const wav = await wavStream("pcm_s24le", 48000, 2, 0.2);
  const whole = parse(wav);
  const rnd = prng(5);
  for (const v of [parse(wav, () => 1), parse(wav, () => 1 + Math.floor(rnd() * 3000))]) {
    assert.deepEqual(v.formats, whole.formats);
    assert.deepEqual(v.pcm, whole.pcm);
    assert.deepEqual(v.parser.stats, whole.parser.stats);
    const flat = v.indices[0] ?? [];
    assert.ok(
      flat.every((x, i) => i === 0 || x > (flat[i - 1] as number)),
      "frame indices increase",
    );
  }
});

test("a sender restarted mid-stream (new header inside the data, cut frame before it) is re-parsed", async () => {
  const [a, b] = await Promise.all([
    wavStream("pcm_s16le", 48000, 2, 0.3),
    wavStream("pcm_f32le", 44100, 1, 0.3, 880),
  ]);
  const [wa, wb] = await Promise.all([ffmpegFloat(a), ffmpegFloat(b)]);
  const cut = a.subarray(0, a.length - 3); // the sender died 3 bytes into its last frame
  const rnd = prng(9);
  for (const chunk of [() => 100000, () => 1, () => 1 + Math.floor(rnd() * 999)]) {
    const got = parse(Buffer.concat([cut, b]), chunk);
    assert.deepEqual(
      got.formats.map((f) => [f.sampleRate, f.channels, f.sampleFormat]),
      [
        [48000, 2, "s16"],
        [44100, 1, "f32"],
      ],
    );
    assert.deepEqual(got.pcm[0], wa.subarray(0, wa.length - 2), "all but the cut frame");
    assert.deepEqual(got.pcm[1], wb);
    assert.deepEqual(got.indices[1]?.[0], 0, "sample count restarts with the header");
    assert.equal(got.parser.stats.restarts, 1);
    assert.equal(got.parser.stats.bytesSkipped, 1, "the cut frame's byte that is not held as a header");
  }
});

test("files with declared sizes: data ends where it says, the next RIFF header is at a chunk boundary", async () => {
  const dir = mkdtempSync(join(tmpdir(), "antenne-wav-"));
  try {
    const files = [join(dir, "a.wav"), join(dir, "b.wav")];
    // A seekable output: ffmpeg writes the real RIFF and data sizes.
    for (const [i, f] of files.entries()) {
      const r = await run(
        "ffmpeg",
        ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", `sine=d=0.2:r=${i ? 32000 : 16000}`, f],
        { timeoutMs: 30_000 },
      );
      assert.equal(r.code, 0, r.stderr);
    }
    const [a, b] = files.map((f) => readFileSync(f));
    const got = parse(Buffer.concat([a as Buffer, b as Buffer]), () => 777);
    assert.deepEqual(
      got.formats.map((f) => [f.sampleRate, f.dataBytes]),
      [
        [16000, 0.2 * 16000 * 2],
        [32000, 0.2 * 32000 * 2],
      ],
    );
    assert.deepEqual(got.pcm[0], await ffmpegFloat(a as Buffer));
    assert.deepEqual(got.pcm[1], await ffmpegFloat(b as Buffer));
    assert.equal(got.parser.stats.restarts, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Liquidsoap's %wav (data size 0xEFFFFFDB) is a stream without end", async () => {
  const dir = mkdtempSync(join(tmpdir(), "antenne-liq-"));
  try {
    const out = join(dir, "liq.wav");
    const script = join(dir, "wav.liq");
    writeFileSync(
      script,
      `settings.init.allow_root.set(true)\noutput.file(%wav(stereo, samplerate=44100), ${JSON.stringify(out)}, fallible=true, on_stop=shutdown, once(sine(duration=0.5)))\n`,
    );
    const r = await run("liquidsoap", ["-q", script], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const wav = readFileSync(out);
    const got = parse(wav, () => 1316);
    assert.deepEqual(got.errors, []);
    const f = got.formats[0] as WavFormat;
    assert.deepEqual([f.sampleRate, f.channels, f.sampleFormat, f.dataBytes], [44100, 2, "s16", null]);
    assert.deepEqual(got.pcm[0], await ffmpegFloat(wav));
    assert.ok(got.parser.stats.framesOut >= 0.5 * 44100 - 1024);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("not WAV, or an unsupported format: a clear error, then the next RIFF header is found", async () => {
  const [alaw, good] = await Promise.all([
    wavStream("pcm_alaw", 8000, 1, 0.1),
    wavStream("pcm_s16le", 48000, 1, 0.1),
  ]);
  const got = parse(Buffer.concat([Buffer.from("this is not audio at all"), alaw, good]), () => 500);
  assert.deepEqual(
    got.errors.map((e) => e.code),
    ["not-wav", "unsupported-format"],
  );
  assert.match(got.errors[1]?.message ?? "", /format 0x6/);
  assert.deepEqual(
    got.formats.map((f) => f.sampleRate),
    [48000],
  );
  assert.deepEqual(got.pcm[0], await ffmpegFloat(good));
  // Everything from the A-law fmt chunk to the next header, and the text before it.
  assert.ok(got.parser.stats.bytesSkipped > alaw.length - 100);
});

test("property: random bytes and bit flips never throw", async () => {
  const wav = await wavStream("pcm_s16le", 48000, 2, 0.1);
  const rnd = prng(77);
  for (let round = 0; round < 50; round++) {
    const noise = Buffer.from(
      Array.from({ length: Math.floor(rnd() * 3000) }, () => Math.floor(rnd() * 256)),
    );
    const flipped = Buffer.from(wav);
    for (let i = 0; i < 20; i++) flipped[Math.floor(rnd() * 80)] = Math.floor(rnd() * 256);
    for (const input of [
      noise,
      flipped,
      Buffer.concat([noise, wav.subarray(0, Math.floor(rnd() * wav.length))]),
    ]) {
      const got = parse(input, () => 1 + Math.floor(rnd() * 700));
      for (const pcm of got.pcm) assert.ok(pcm.every((x) => Number.isFinite(x) || Number.isNaN(x)));
    }
  }
});
