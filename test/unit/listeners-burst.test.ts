/**
 * A burst of 100 000 distinct clients POSTed in one request: the table holds what its bound
 * allows, the heap grows by at most BYTES_PER_CLIENT per tracked client (docs/monitoring.md),
 * the rest is shed and counted, and the counts are exact again once the window has passed.
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { DEFAULT_MAX_CLIENTS, startListeners } from "../../src/listeners/index.js";
import { FakeClock } from "../../src/clock/fake-clock.js";
import { silentLogger } from "../../src/log.js";
import { config, get, logLine, post, sample } from "../helpers/listeners.js";

/** The documented bound per tracked client, heap bytes (measured 61–87, Map capacity doubles). */
const BYTES_PER_CLIENT = 128;
const BURST = 100_000;
const T0 = 1_764_499_600_000;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** POSTs `n` lines produced by `lineAt`, 2 000 per write, without holding the body. */
function postGenerated(url: string, n: number, lineAt: (i: number) => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST" }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
    let i = 0;
    const pump = () => {
      while (i < n) {
        const parts: string[] = [];
        for (const end = Math.min(n, i + 2000); i < end; i++) parts.push(lineAt(i));
        if (!req.write(parts.join("\n") + "\n")) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

const burstLine = (now: number) => (i: number) =>
  logLine(
    now,
    `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    `Bot/${i % 7}`,
    "/hls/fip/fip_lofi.m3u8",
  );

async function burst(maxClients: number | undefined): Promise<void> {
  const clock = new FakeClock({ wallMs: T0 });
  const s = await startListeners(
    config({ syslog: null, ...(maxClients ? { maxClients } : {}) }),
    silentLogger(),
    { clock },
  );
  try {
    const bound = maxClients ?? DEFAULT_MAX_CLIENTS;
    const before = heapAfterGc();
    const r = JSON.parse(await postGenerated(`${s.httpUrl}/ingest`, BURST, burstLine(clock.wallMs()))) as {
      lines: number;
      counted: number;
    };
    const grown = heapAfterGc() - before;
    const tracked = Math.min(BURST, bound);
    assert.deepEqual(r, { lines: BURST, counted: tracked, invalid: 0 });
    const m = (await get(`${s.httpUrl}/metrics`)).body;
    assert.equal(sample(m, "antenne_listeners_tracked_clients"), tracked);
    assert.equal(sample(m, "antenne_listeners_tracked_clients_limit"), bound);
    assert.equal(sample(m, "antenne_listeners_shed_clients_total"), BURST - tracked);
    assert.equal(sample(m, 'antenne_listeners{channel="fip",delivery="hls"}'), tracked);
    assert.ok(
      grown <= tracked * BYTES_PER_CLIENT,
      `heap grew ${grown} B for ${tracked} clients: over ${BYTES_PER_CLIENT} B each`,
    );
    // Past the window the burst is gone; 25 players fetching then are counted exactly.
    clock.advance(T0 + 8001 - clock.wallMs());
    const players = Array.from({ length: 25 }, (_, i) =>
      logLine(clock.wallMs(), `127.0.0.${i + 2}`, `Player/${i}`, `/hls/fip/fip_aac_lofi_4_${i}_0.ts`),
    );
    await post(`${s.httpUrl}/ingest`, players.join("\n"));
    const after = (await get(`${s.httpUrl}/metrics`)).body;
    assert.equal(sample(after, 'antenne_listeners{channel="fip",delivery="hls"}'), 25);
    assert.equal(sample(after, "antenne_listeners_tracked_clients"), 25);
    assert.equal(sample(after, "antenne_listeners_shed_clients_total"), BURST - tracked, "none of them shed");
  } finally {
    await s.close();
  }
}

void test(`100k distinct clients with the default bound (${DEFAULT_MAX_CLIENTS}): all counted, memory within the bound`, () =>
  burst(undefined));

void test("100k distinct clients over a 20k bound: 20k tracked, 80k shed and counted, room again after the window", () =>
  burst(20_000));
