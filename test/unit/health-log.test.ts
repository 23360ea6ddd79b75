import assert from "node:assert/strict";
import { test } from "node:test";
import { HealthLog } from "../../src/channel/health-log.js";

test("a span is degraded if any part of it was: a segment made partly on the safety source", () => {
  const log = new HealthLog();
  for (let pos = 0; pos < 10_000; pos += 100) log.note(pos, pos >= 3000 && pos < 3500);
  assert.equal(log.during(0, 3000), false, "before");
  assert.equal(log.during(2000, 4000), true, "overlapping the degraded stretch");
  assert.equal(log.during(3400, 3450), true, "inside it");
  assert.equal(log.during(3500, 9000), false, "after");
  assert.equal(log.during(-500, 0), false, "before anything was noted");
});

test("bounded: only the last changes are kept", () => {
  const log = new HealthLog(4);
  for (let i = 0; i < 100; i++) log.note(i * 10, i % 2 === 0);
  assert.equal(log.during(985, 990), true, "the newest still answer");
  assert.equal(log.during(0, 5), false, "the oldest were forgotten (not degraded by default)");
});
