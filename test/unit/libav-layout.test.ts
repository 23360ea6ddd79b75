import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { AudioDecoder } from "../../src/decode/audio-decoder.js";
import { libavAvailable, loadLibav, probeLibav } from "../../src/decode/libav-check.js";
import { LAYOUT } from "../../src/decode/libav-structs.js";
import { majorProblem } from "../../src/decode/libav.js";
import { run } from "../helpers/proc.js";
import { scratch } from "./libav-fixtures.js";

const tmp = scratch();
after(() => tmp.done());

/** offsetof() of every field libav.ts uses, printed by the C compiler from the installed headers. */
const PROGRAM = `
#include <stdio.h>
#include <stddef.h>
#include <libavcodec/packet.h>
#include <libavutil/frame.h>
int main(void) {
  printf("{\\"frame\\":{\\"data\\":%zu,\\"linesize\\":%zu,\\"extendedData\\":%zu,\\"nbSamples\\":%zu,"
         "\\"format\\":%zu,\\"pts\\":%zu,\\"sampleRate\\":%zu,\\"chLayout\\":%zu,\\"size\\":%zu},",
         offsetof(AVFrame, data), offsetof(AVFrame, linesize), offsetof(AVFrame, extended_data),
         offsetof(AVFrame, nb_samples), offsetof(AVFrame, format), offsetof(AVFrame, pts),
         offsetof(AVFrame, sample_rate), offsetof(AVFrame, ch_layout), sizeof(AVFrame));
  printf("\\"packet\\":{\\"buf\\":%zu,\\"pts\\":%zu,\\"dts\\":%zu,\\"data\\":%zu,\\"size\\":%zu,\\"bytes\\":%zu},",
         offsetof(AVPacket, buf), offsetof(AVPacket, pts), offsetof(AVPacket, dts),
         offsetof(AVPacket, data), offsetof(AVPacket, size), sizeof(AVPacket));
  printf("\\"chLayout\\":{\\"order\\":%zu,\\"nbChannels\\":%zu,\\"mask\\":%zu}}\\n",
         offsetof(AVChannelLayout, order), offsetof(AVChannelLayout, nb_channels), offsetof(AVChannelLayout, u.mask));
  return 0;
}
`;

void test("LAYOUT matches offsetof() from the installed FFmpeg headers (libavcodec-dev)", async (t) => {
  const src = join(tmp.dir, "layout.c");
  const exe = join(tmp.dir, "layout");
  writeFileSync(src, PROGRAM);
  let cc;
  try {
    cc = await run("cc", ["-o", exe, src], { timeoutMs: 60_000 });
  } catch {
    t.skip("no C compiler");
    return;
  }
  if (cc.code !== 0 && /No such file/.test(cc.stderr)) {
    t.skip("FFmpeg headers not installed (libavcodec-dev)");
    return;
  }
  assert.equal(cc.code, 0, cc.stderr);
  const out = await run(exe, [], { timeoutMs: 10_000 });
  assert.deepEqual(JSON.parse(out.stdout.toString()), LAYOUT);
});

void test("Debian 12's libav is available here, self-check passed; libavcodec loads on first use", () => {
  const s = libavAvailable();
  assert.ok(s.available, s.available ? "" : s.reason);
  assert.match(s.versions.avutil, /^57\./);
  assert.match(s.versions.swresample, /^4\./);
  assert.match(s.versions.faad, /^2\./);
  const lib = loadLibav();
  assert.equal(lib.loadCodec(), null);
  assert.match(lib.versions.avcodec ?? "", /^59\./);
});

const STOCK = {
  avutil: "libavutil.so.57",
  avcodec: "libavcodec.so.59",
  swresample: "libswresample.so.4",
  faad: "libfaad.so.2",
  mpg123: "libmpg123.so.0",
};

void test("a missing library is a clear reason, not an exception", () => {
  for (const [which, soname, pkg] of [
    ["faad", "libfaad.so.1", "libfaad2"],
    ["mpg123", "libmpg123.so.9", "libmpg123-0"],
    ["swresample", "libswresample.so.1", "libswresample4"],
  ] as const) {
    const { status, lib } = probeLibav({ ...STOCK, [which]: soname });
    assert.equal(lib, null);
    assert.equal(status.available, false);
    assert.match(
      status.available ? "" : status.reason,
      new RegExp(`cannot load ${soname.replace(/\./g, "\\.")} .*${pkg}`),
    );
  }
});

void test("a missing libavcodec only takes AC-3 / E-AC-3: AAC and MPEG audio decode, opening AC-3 says why", () => {
  const { status, lib } = probeLibav({ ...STOCK, avcodec: "libavcodec.so.1" });
  assert.ok(status.available && lib, status.available ? "" : status.reason);
  assert.match(lib.loadCodec() ?? "", /cannot load libavcodec\.so\.1 .*libavcodec59/);
  assert.equal(lib.versions.avcodec, null);
  const dec = new AudioDecoder(lib);
  assert.throws(
    () => dec.open("ac3"),
    (e: Error) => e.name === "LibavUnavailable" && /libavcodec\.so\.1/.test(e.message),
  );
  dec.open("mp2");
  dec.close();
});

void test("another FFmpeg major is refused before any struct is touched", () => {
  const v = (major: number) => (major << 16) | (1 << 8) | 100;
  assert.equal(majorProblem({ avutil: v(57), avcodec: v(59), swresample: v(4) }), null);
  assert.match(
    majorProblem({ avutil: v(58), avcodec: v(60), swresample: v(4) }) ?? "",
    /libavutil is version 58\.1\.100; struct offsets are known for major 57/,
  );
  assert.match(
    majorProblem({ avutil: v(57), avcodec: v(60), swresample: v(4) }) ?? "",
    /libavcodec is version 60/,
  );
});
