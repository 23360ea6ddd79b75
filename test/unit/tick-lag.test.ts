import assert from "node:assert/strict";
import { test } from "node:test";
import { TickLag } from "../../src/engine/tick-lag.js";

test("tick lag: the interval beyond the period, quantiles over a sliding window", () => {
  const lag = new TickLag(60, 100);
  assert.deepEqual(lag.stats(), { p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: 0, ticks: 0 });
  let t = 0;
  lag.tick(t);
  // 98 ticks on time (+0.5 ms), one 12 ms late, one early (counted as 0).
  for (let i = 0; i < 98; i++) lag.tick((t += 60.5));
  lag.tick((t += 72));
  lag.tick((t += 59));
  const s = lag.stats();
  assert.equal(s.ticks, 100);
  assert.equal(s.p50Ms, 0.5);
  assert.equal(s.p90Ms, 0.5);
  assert.equal(s.p99Ms, 0.5);
  assert.equal(s.maxMs, 12);
  // The window slides: 100 more on-time ticks push the late one out.
  for (let i = 0; i < 100; i++) lag.tick((t += 60));
  assert.equal(lag.stats().maxMs, 0);
});
