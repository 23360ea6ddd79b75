import assert from "node:assert/strict";
import { test } from "node:test";
import { SRTS, SrtError, loadLibSrt } from "../../src/input/srt/libsrt.js";

void test("libsrt 1.5 loads", () => {
  assert.match(loadLibSrt().version, /^1\.5\./);
});

void test("SRT_TRACEBSTATS layout matches the C compiler's (gcc, x86-64, srt.h 1.5.1)", () => {
  const { size, offsets } = loadLibSrt().statsLayout();
  // Values printed by offsetof() on struct CBytePerfMon compiled from libsrt 1.5.1's srt.h.
  assert.equal(size, 496);
  assert.deepEqual(
    {
      pktRecvTotal: offsets.pktRecvTotal,
      pktRcvLossTotal: offsets.pktRcvLossTotal,
      pktRetransTotal: offsets.pktRetransTotal,
      pktRcvDropTotal: offsets.pktRcvDropTotal,
      byteRecvTotal: offsets.byteRecvTotal,
      pktRcvRetrans: offsets.pktRcvRetrans,
      mbpsRecvRate: offsets.mbpsRecvRate,
      msRTT: offsets.msRTT,
      pktReorderTolerance: offsets.pktReorderTolerance,
      msRcvBuf: offsets.msRcvBuf,
      msRcvTsbPdDelay: offsets.msRcvTsbPdDelay,
      pktRecvUniqueTotal: offsets.pktRecvUniqueTotal,
      byteRecvUnique: offsets.byteRecvUnique,
    },
    {
      pktRecvTotal: 16,
      pktRcvLossTotal: 28,
      pktRetransTotal: 32,
      pktRcvDropTotal: 68,
      byteRecvTotal: 88,
      pktRcvRetrans: 164,
      mbpsRecvRate: 192,
      msRTT: 328,
      pktReorderTolerance: 428,
      msRcvBuf: 388,
      msRcvTsbPdDelay: 392,
      pktRecvUniqueTotal: 440,
      byteRecvUnique: 488,
    },
  );
});

void test("errors are typed SrtErrors with libsrt's code", () => {
  const lib = loadLibSrt();
  const sock = lib.createSocket();
  lib.close(sock);
  assert.ok(lib.getState(sock) >= SRTS.CLOSED);
  assert.throws(
    () => lib.listen(sock, 1),
    (e: unknown) => e instanceof SrtError && e.code === 5004 && /srt_listen/.test(e.message),
  );
  assert.equal(lib.bstats(sock, false), null);
});
