import assert from "node:assert/strict";
import { test } from "node:test";
import type { SrtTraceStats } from "../../src/input/srt/libsrt.js";
import { SrtStatsAccumulator } from "../../src/input/srt/srt-stats.js";

const sample = (o: Partial<SrtTraceStats>): SrtTraceStats => ({
  pktRecvTotal: 0,
  pktRcvLossTotal: 0,
  pktRcvDropTotal: 0,
  pktRcvRetrans: 0,
  mbpsRecvRate: 0,
  msRTT: 0,
  msRcvBuf: 0,
  byteRecvTotal: 0,
  ...o,
});

void test("SRT totals survive reconnects; instant values reset while disconnected", () => {
  const a = new SrtStatsAccumulator();
  assert.equal(a.snapshot(), null);
  a.sample(
    sample({ pktRecvTotal: 100, pktRcvLossTotal: 3, pktRcvDropTotal: 1, pktRcvRetrans: 2, msRTT: 12.5 }),
  );
  a.sample(
    sample({
      pktRecvTotal: 250,
      pktRcvLossTotal: 4,
      pktRcvDropTotal: 1,
      pktRcvRetrans: 1,
      mbpsRecvRate: 1.5,
      msRcvBuf: 180,
    }),
  );
  assert.deepEqual(a.snapshot(), {
    rttMs: 0,
    packetsReceived: 250,
    packetsLost: 4,
    packetsDropped: 1,
    packetsRetransmitted: 3,
    receiveBufferMs: 180,
    receiveRateKbps: 1500,
  });
  a.endConnection();
  assert.equal(a.snapshot()?.receiveRateKbps, 0);
  // A new socket starts its counters at 0 again.
  a.sample(sample({ pktRecvTotal: 10, pktRcvLossTotal: 1, pktRcvRetrans: 1 }));
  const s = a.snapshot();
  assert.equal(s?.packetsReceived, 260);
  assert.equal(s?.packetsLost, 5);
  assert.equal(s?.packetsDropped, 1);
  assert.equal(s?.packetsRetransmitted, 4);
});
