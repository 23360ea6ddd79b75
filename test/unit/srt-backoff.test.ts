import assert from "node:assert/strict";
import { test } from "node:test";
import { Backoff } from "../../src/input/srt/backoff.js";

void test("reconnect backoff: 1 s doubling to 10 s, reset after a connection", () => {
  const b = new Backoff(1000, 10000);
  const seq = Array.from({ length: 7 }, () => b.nextDelayMs());
  assert.deepEqual(seq, [1000, 2000, 4000, 8000, 10000, 10000, 10000]);
  b.reset();
  assert.equal(b.nextDelayMs(), 1000);
});
