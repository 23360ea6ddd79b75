import assert from "node:assert/strict";
import { test } from "node:test";
import { Backoff } from "../../src/util/backoff.js";

void test("reconnect backoff: 1 s doubling to 10 s, reset after a connection", () => {
  const b = new Backoff({ initialMs: 1000, maxMs: 10_000 });
  const seq = Array.from({ length: 7 }, () => b.next());
  assert.deepEqual(seq, [1000, 2000, 4000, 8000, 10000, 10000, 10000]);
  b.reset();
  assert.equal(b.next(), 1000);
});
