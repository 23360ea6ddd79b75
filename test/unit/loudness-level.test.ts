/** RMS / peak level in dBFS. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { LEVEL_FLOOR_DB, dbToLinear, linearToDb, measureLevel } from "../../src/engine/level.js";

void test("level: full-scale sine is 0 dBFS peak and -3.01 dBFS rms; stereo frames count every sample", () => {
  const n = 4800;
  const x = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) x[2 * i] = x[2 * i + 1] = Math.sin((2 * Math.PI * 1000 * i) / 48000);
  const l = measureLevel(x);
  assert.ok(Math.abs(l.peakDb) < 0.01, `peak ${l.peakDb}`);
  assert.ok(Math.abs(l.rmsDb - -3.0103) < 0.01, `rms ${l.rmsDb}`);
});

void test("level: silence, an empty frame and negative peaks", () => {
  assert.deepEqual(measureLevel(new Float32Array(960)), { rmsDb: LEVEL_FLOOR_DB, peakDb: LEVEL_FLOOR_DB });
  assert.deepEqual(measureLevel(new Float32Array(0)), { rmsDb: LEVEL_FLOOR_DB, peakDb: LEVEL_FLOOR_DB });
  const x = new Float32Array([0, -0.5, 0.25, 0]);
  assert.ok(Math.abs(measureLevel(x).peakDb - -6.0206) < 1e-3);
  assert.equal(linearToDb(0), LEVEL_FLOOR_DB);
  assert.equal(linearToDb(Number.NaN), LEVEL_FLOOR_DB);
  assert.equal(linearToDb(1e-9), LEVEL_FLOOR_DB);
  assert.ok(Math.abs(linearToDb(dbToLinear(-40)) - -40) < 1e-9);
});
