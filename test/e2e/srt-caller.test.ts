import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { ffmpegSender, isMpegTs, kill, killAll, makeInput, sltSender, type Harness } from "./srt-helpers.js";
import { freeUdpPort } from "../helpers/ports.js";
import { sleep, until, timeUntil } from "../helpers/proc.js";

const open: Harness[] = [];
function input(...args: Parameters<typeof makeInput>): Harness {
  const h = makeInput(...args);
  open.push(h);
  h.input.start();
  return h;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.input.close()));
  await killAll();
});

void test("our caller -> srt-live-transmit listener fed by ffmpeg", async () => {
  const port = await freeUdpPort();
  sltSender(`srt://127.0.0.1:${port}?mode=listener&latency=200`);
  await sleep(300);
  const h = input({ mode: "caller", connect: `127.0.0.1:${port}` });
  await until(() => h.bytes() > 20_000, 10_000, "20 kB", 5);
  assert.ok(isMpegTs(h.data()));
  const s = h.input.status();
  assert.equal(s.state, "connected");
  assert.equal(s.peer, `127.0.0.1:${port}`);
});

void test("our caller -> ffmpeg listener, with passphrase and stream id", async () => {
  const port = await freeUdpPort();
  const pass = "caller-secret-42";
  ffmpegSender(`srt://127.0.0.1:${port}?mode=listener&latency=200000&passphrase=${pass}&pbkeylen=32`);
  await sleep(300);
  const h = input({
    mode: "caller",
    connect: `localhost:${port}`,
    passphrase: pass,
    pbKeyLen: 32,
    streamId: "fip",
  });
  await until(() => h.bytes() > 10_000, 10_000, "data", 5);
  assert.ok(isMpegTs(h.data()));
});

void test("our caller with a wrong passphrase: refused, counted, retried", async () => {
  const port = await freeUdpPort();
  sltSender(`srt://127.0.0.1:${port}?mode=listener&latency=200&passphrase=listener-secret-1`);
  await sleep(300);
  const h = input({ mode: "caller", connect: `127.0.0.1:${port}`, passphrase: "not-the-secret-1" });
  await until(() => h.input.status().rejected.passphrase >= 1, 5000, "passphrase rejection", 5);
  assert.equal(h.bytes(), 0);
  assert.equal(h.input.status().state, "connecting");
});

void test("a caller whose target is not listening at start connects when it appears", async () => {
  const port = await freeUdpPort();
  const h = input({ mode: "caller", connect: `127.0.0.1:${port}` });
  await sleep(200);
  assert.equal(h.input.status().state, "connecting");
  await sleep(1500);
  const appearedAt = performance.now();
  ffmpegSender(`srt://127.0.0.1:${port}?mode=listener&latency=200000`);
  const ms = await timeUntil(() => h.bytes() > 5000, 15_000, "data once the listener appeared");
  console.log(
    `target appeared -> data: ${ms.toFixed(0)} ms (${(performance.now() - appearedAt).toFixed(0)})`,
  );
  assert.equal(h.input.status().state, "connected");
});

void test("the caller reconnects after its target restarts; totals survive", async () => {
  const port = await freeUdpPort();
  let sender = sltSender(`srt://127.0.0.1:${port}?mode=listener&latency=200`);
  await sleep(300);
  const h = input({ mode: "caller", connect: `127.0.0.1:${port}` });
  const events: string[] = [];
  h.input.on("connected", () => events.push("connected"));
  h.input.on("disconnected", ({ reason }) => events.push(`disconnected:${reason}`));
  await until(() => h.bytes() > 10_000, 10_000, "first data", 5);
  await sleep(1100);
  const before = h.input.status().srt?.packetsReceived ?? 0;
  assert.ok(before > 0);
  await Promise.all([kill(sender.ff), kill(sender.slt)]);
  sender = sltSender(`srt://127.0.0.1:${port}?mode=listener&latency=200`);
  // SRT notices the dead peer after its idle timeout (5 s), then we retry after 1 s.
  await until(() => h.input.status().connections === 2, 15_000, "second connection", 5);
  const bytes = h.bytes();
  await until(() => h.bytes() > bytes + 5000, 5000, "data again", 5);
  await sleep(1100);
  const s = h.input.status();
  assert.ok((s.srt?.packetsReceived ?? 0) > before, "packet totals keep growing across connections");
  assert.deepEqual(events.slice(0, 3), ["connected", "disconnected:broken", "connected"]);
});

void test("close() while connecting is prompt", async () => {
  const port = await freeUdpPort();
  const h = makeInput({ mode: "caller", connect: `127.0.0.1:${port}` });
  h.input.start();
  await sleep(100);
  const t0 = performance.now();
  await h.input.close();
  const ms = performance.now() - t0;
  assert.ok(ms <= 200, `close took ${ms.toFixed(0)} ms`);
  assert.equal(h.input.status().state, "idle");
});
