import assert from "node:assert/strict";
import { test } from "node:test";
import {
  isSupportedFormat,
  planeBytes,
  planeCount,
  toInterleavedFloat,
} from "../../src/decode/interleave.js";
import { AV_SAMPLE_FMT } from "../../src/decode/libav.js";

/** Planes laid out back to back in one buffer, as the decoder copies them: plane k at k * stride. */
function planes(arrays: (Float32Array | Int16Array | Int32Array | Float64Array)[]): {
  buf: ArrayBuffer;
  stride: number;
} {
  const stride = arrays[0]!.byteLength;
  const buf = new Uint8Array(stride * arrays.length);
  arrays.forEach((a, k) => buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), k * stride));
  return { buf: buf.buffer, stride };
}

void test("planar float: channels interleaved in order", () => {
  const p = planes([new Float32Array([0.1, 0.2, 0.3]), new Float32Array([-0.1, -0.2, -0.3])]);
  const out = toInterleavedFloat(AV_SAMPLE_FMT.FLTP, p.buf, p.stride, 3, 2);
  assert.deepEqual([...out], [...new Float32Array([0.1, -0.1, 0.2, -0.2, 0.3, -0.3])]);
});

void test("integer formats scale to [-1, 1): s16 by 2^15, s32 by 2^31", () => {
  const s16p = planes([new Int16Array([-32768, 16384]), new Int16Array([32767, 0])]);
  assert.deepEqual(
    [...toInterleavedFloat(AV_SAMPLE_FMT.S16P, s16p.buf, s16p.stride, 2, 2)],
    [-1, 1 - 1 / 32768, 0.5, 0],
  );
  const s32 = planes([new Int32Array([-2147483648, 1073741824])]);
  assert.deepEqual([...toInterleavedFloat(AV_SAMPLE_FMT.S32, s32.buf, s32.stride, 1, 2)], [-1, 0.5]);
  const dblp = planes([new Float64Array([0.25]), new Float64Array([-0.75])]);
  assert.deepEqual([...toInterleavedFloat(AV_SAMPLE_FMT.DBLP, dblp.buf, dblp.stride, 1, 2)], [0.25, -0.75]);
});

void test("packed float is copied, not aliased", () => {
  const src = new Float32Array([0.5, -0.5]);
  const out = toInterleavedFloat(AV_SAMPLE_FMT.FLT, src.buffer, 0, 1, 2);
  src[0] = 0;
  assert.deepEqual([...out], [0.5, -0.5]);
});

void test("plane geometry; unsupported formats are refused", () => {
  assert.equal(planeBytes(AV_SAMPLE_FMT.FLTP, 1024, 2), 4096);
  assert.equal(planeBytes(AV_SAMPLE_FMT.S16, 1152, 2), 4608);
  assert.equal(planeCount(AV_SAMPLE_FMT.FLTP, 6), 6);
  assert.equal(planeCount(AV_SAMPLE_FMT.FLT, 6), 1);
  assert.equal(isSupportedFormat(AV_SAMPLE_FMT.U8), false);
  assert.equal(planeBytes(AV_SAMPLE_FMT.U8P, 10, 2), 0);
  assert.throws(
    () => toInterleavedFloat(AV_SAMPLE_FMT.U8, new ArrayBuffer(4), 2, 2, 2),
    /unsupported sample format 0/,
  );
});
