import assert from "node:assert/strict";
import { test } from "node:test";
import { clientKey, ListenerTable } from "../../src/listeners/listener-table.js";

const T0 = 1_764_499_600_000;
const table = (maxClients = 1000) =>
  new ListenerTable({
    windowsMs: new Map([
      ["fip", 8000],
      ["jazz", 4000],
    ]),
    maxClients,
  });

void test("clientKey: stable, 53-bit, distinct for address and user agent", () => {
  assert.equal(clientKey("127.0.0.1", "VLC"), clientKey("127.0.0.1", "VLC"));
  assert.notEqual(clientKey("127.0.0.1", "VLC"), clientKey("127.0.0.2", "VLC"));
  assert.notEqual(clientKey("127.0.0.1", "VLC"), clientKey("127.0.0.1", "VLC "));
  assert.notEqual(clientKey("a\nb", ""), clientKey("a", "b"));
  const keys = new Set<number>();
  for (let i = 0; i < 200_000; i++) {
    const k = clientKey(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, "Mozilla/5.0");
    assert.ok(Number.isSafeInteger(k) && k >= 0);
    keys.add(k);
  }
  assert.equal(keys.size, 200_000, "no collision among 200k addresses");
});

void test("a client is a listener for the channel's window after its last fetch, counted once", () => {
  const t = table();
  const k = clientKey("192.0.2.1", "ua");
  assert.equal(t.touch("fip", k, T0, T0), "counted");
  assert.equal(t.touch("fip", k, T0 + 3000, T0 + 3000), "counted");
  assert.equal(t.touch("jazz", k, T0 + 3000, T0 + 3000), "counted");
  assert.equal(t.count("fip", T0 + 3000), 1);
  assert.equal(t.count("jazz", T0 + 3000), 1);
  assert.equal(t.count("fip", T0 + 3000 + 8000), 1, "still inside the window at its edge");
  assert.equal(t.count("jazz", T0 + 3000 + 4001), 0, "jazz's window is 4 s");
  assert.equal(t.count("fip", T0 + 3000 + 8001), 0);
  assert.equal(t.tracked, 0, "expired entries are freed");
  assert.equal(t.count("nope", T0), 0);
});

void test("late lines are refused, future times are taken as now, out-of-order lines never overcount", () => {
  const t = table();
  assert.equal(t.touch("fip", 1, T0 - 9000, T0), "late");
  assert.equal(t.touch("fip", 2, T0 + 60_000, T0), "counted");
  assert.equal(t.count("fip", T0 + 8001), 0, "a cache clock ahead does not keep a client longer");
  // b arrives after a but is older: the front of the Map is not the oldest.
  t.touch("fip", 10, T0 + 5000, T0 + 5000);
  t.touch("fip", 11, T0 + 1000, T0 + 5000);
  assert.equal(t.count("fip", T0 + 9500), 1);
  assert.equal(t.count("fip", T0 + 13_001), 0);
});

void test("the table holds at most maxClients: new clients are shed, tracked ones keep counting", () => {
  const t = table(100);
  for (let i = 0; i < 100; i++) assert.equal(t.touch("fip", i, T0, T0), "counted");
  assert.equal(t.touch("jazz", 1000, T0, T0), "shed");
  assert.equal(t.touch("fip", 5, T0 + 10, T0 + 10), "counted", "a tracked client is refreshed");
  for (let i = 0; i < 1000; i++) t.touch("fip", 10_000 + i, T0 + 100, T0 + 100);
  assert.equal(t.tracked, 100);
  assert.equal(t.shed, 1001);
  assert.equal(t.count("fip", T0 + 100), 100);
  // Once the old entries age out, room comes back.
  assert.equal(t.touch("jazz", 1000, T0 + 8001, T0 + 8001), "counted");
  assert.equal(t.count("fip", T0 + 8001), 1, "only the refreshed client is left");
  assert.equal(t.tracked, 2);
});

void test("touching an unknown channel is a programming error", () => {
  assert.throws(() => table().touch("x", 1, T0, T0), /unknown channel "x"/);
});
