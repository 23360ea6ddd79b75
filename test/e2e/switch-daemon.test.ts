/**
 * Issue 4 end to end: a running daemon with two real SRT senders of different tones
 * (main 440 Hz, backup 660 Hz) and an idle third listener, judged on the DECODED HLS
 * output (segments downloaded from the playlist, decoded in order as one stream, every
 * sample mapped to wall time through PROGRAM-DATE-TIME) and on the API/SSE.
 *
 * The tests run in order on one channel: API errors → kill -9 main (failover) → main
 * restarted (return, crossfade) → main goes digitally silent (blank) and sounds again
 * (return) → manual switches (≤ 100 ms) → SSE log → preference across a restart.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Daemon } from "../../src/daemon.js";
import type { ChannelStatus } from "../../src/channel/view.js";
import { startTestDaemon, tempDir } from "../helpers/channel.js";
import {
  RATE,
  SseReader,
  captureProgram,
  longestSilenceIn,
  steadyAmp,
  toneOnset,
  toneSender,
  toneTrack,
} from "../helpers/program-audio.js";
import { until } from "../helpers/proc.js";
import { kill, killAll } from "./srt-helpers.js";
import { freeUdpPort } from "../helpers/ports.js";

const TOKEN = "switch-test-token-91c2";
const MAIN = 440;
const BACKUP = 660;
/** Silence threshold for gap checks: the tones peak at 0.125 (-18 dBFS); this is -40 dBFS. */
const GAP_THRESHOLD = 0.01;
const MS = RATE / 1000;
/** The tone-onset detector's window: an onset lies within this much after the window start. */
const DETECT_WINDOW_MS = 5;
/**
 * A restarted sender is on air after: connected and decoded within 1 s (SPEC §3), the
 * 300 ms buffer filling, minNoiseSec 0.5 + returnDelaySec 3, and 0.5 s of slack for a
 * loaded 2-core machine. (Measured: ~4.65 s.)
 */
const RETURN_MAX_SEC = 1 + 0.3 + 3.5 + 0.5;

const yaml = (ports: { main: number; backup: number; spare: number }) => (api: number) => `
channel: sw
audio: { sampleRate: 48000, channels: 2 }
inputs:
  - id: main
    srt: { mode: listener, bind: "127.0.0.1:${ports.main}" }
  - id: backup
    srt: { mode: listener, bind: "127.0.0.1:${ports.backup}" }
  - id: spare
    srt: { mode: listener, bind: "127.0.0.1:${ports.spare}" }
switcher:
  bufferMs: 300
  starvationMs: 300
  returnDelaySec: 3
  crossfadeMs: 50
  statePath: ./state.json
  silence: { minNoiseSec: 0.5, maxBlankSec: 2 }
profiles:
  hi: { codec: aac, bitrate: 128k }
outputs:
  hls: { dir: ./hls, segmentSec: 1, windowSegments: 600, profiles: [hi] }
api: { listen: "127.0.0.1:${api}", token: "${TOKEN}" }
`;

type Switch = { from: string | null; to: string | null; reason: string; transition: string };

describe(
  "switching through the running daemon, judged on the decoded HLS output",
  { timeout: 300_000 },
  () => {
    const dir = tempDir("antenne-switch-");
    let d: Daemon;
    let ports: { main: number; backup: number; spare: number };
    let mainSender: ChildProcess;
    let sse: SseReader;
    /** Wall time the blank-scheduled main sender was started (its t = 0). */
    let scheduledStartMs = 0;
    const hls = () => `${d.url}/hls/sw_hi.m3u8`;
    const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

    const status = async (): Promise<ChannelStatus> =>
      (await (await fetch(`${d.url}/api/v1/status`)).json()) as ChannelStatus;
    const switchEvent = (pred: (s: Switch) => boolean, afterIndex: number, timeoutMs: number, what: string) =>
      until(() => sse.switches().find((e, i) => i >= afterIndex && pred(e.data)), timeoutMs, what, 20);

    before(async () => {
      ports = { main: await freeUdpPort(), backup: await freeUdpPort(), spare: await freeUdpPort() };
      d = await startTestDaemon(yaml(ports), dir);
      sse = new SseReader(`${d.url}/api/v1/events`);
      mainSender = toneSender(ports.main, MAIN);
      toneSender(ports.backup, BACKUP);
      await until(
        async () => {
          const s = await status();
          const avail = (id: string) => s.inputs.find((i) => i.id === id)?.available;
          return s.active === "main" && avail("main") && avail("backup");
        },
        30_000,
        "main on air and backup available",
      );
      assert.ok(sse.opened, "SSE stream open");
      await until(async () => (await fetch(`${d.url}/readyz`)).status === 200, 10_000, "ready");
      // The failover test looks at 1.5 s of program before the kill: let main be on air that long.
      await new Promise((r) => setTimeout(r, 2500));
    });

    after(async () => {
      await sse?.close();
      await killAll();
      await d?.close();
    });

    test("API: 401 without the token, 404 unknown input, 409 naming an unavailable input", async () => {
      const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
        fetch(`${d.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify(body),
        });
      for (const [method, path, body] of [
        ["POST", "/api/v1/switch", { input: "backup" }],
        ["DELETE", "/api/v1/switch", undefined],
        ["POST", "/livesource", { input: "backup" }],
        ["POST", "/api/v1/metadata", { title: "t", artist: "a" }],
      ] as const) {
        for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: TOKEN }] as Record<
          string,
          string
        >[]) {
          const res = await fetch(`${d.url}${path}`, {
            method,
            headers: { ...(body ? { "content-type": "application/json" } : {}), ...headers },
            body: body ? JSON.stringify(body) : undefined,
          });
          assert.equal(res.status, 401, `${method} ${path} with ${JSON.stringify(headers)}`);
          const err = (await res.json()) as { statusCode: number; error: string; message: string };
          assert.deepEqual(Object.keys(err).sort(), ["error", "message", "statusCode"]);
          assert.equal(err.statusCode, 401);
        }
      }
      const before = await status();
      assert.equal(before.active, "main");
      assert.equal(before.preferred, null);
      assert.equal(before.metadata, null, "a refused metadata push changed nothing");

      const unknown = await post("/api/v1/switch", { input: "nope" }, auth);
      assert.equal(unknown.status, 404);
      assert.match(((await unknown.json()) as { message: string }).message, /nope/);
      assert.equal((await fetch(`${d.url}/api/v1/inputs/nope`)).status, 404);

      const spare = (await (await fetch(`${d.url}/api/v1/inputs/spare`)).json()) as {
        available: boolean;
        state: string;
      };
      assert.equal(spare.available, false);
      const busy = await post("/api/v1/switch", { input: "spare" }, auth);
      assert.equal(busy.status, 409);
      const err = (await busy.json()) as { statusCode: number; error: string; message: string };
      assert.equal(err.statusCode, 409);
      assert.equal(err.error, "Conflict");
      assert.match(err.message, /"spare"/);
      assert.match(err.message, /not available/);
      const afterRefusal = await status();
      assert.equal(afterRefusal.preferred, null, "preference unchanged by a 409");
      assert.equal(afterRefusal.active, "main");
    });

    test("kill -9 the main sender: backup's tone follows with no silent gap > 10 ms", async (t) => {
      const from = sse.switches().length;
      // Main's audio already received plays out to its end: the tone changes about main's
      // delay after the kill, plus what libsrt still delivers within its latency (120 ms).
      const mainDelayMs = (await status()).inputs.find((i) => i.id === "main")!.targetDelayMs;
      const killMs = Date.now();
      await kill(mainSender, "SIGKILL");
      const ev = await switchEvent((s) => s.reason === "failover", from, 5000, "failover event");
      assert.deepEqual(ev.data, { from: "main", to: "backup", reason: "failover", transition: "cut" });
      assert.ok(ev.atMs - killMs < 1500, `failover event ${ev.atMs - killMs} ms after the kill`);
      const s = await status();
      assert.equal(s.active, "backup");
      const metrics = await (await fetch(`${d.url}/metrics`)).text();
      assert.match(
        metrics,
        /antenne_switches_total\{[^}]*from="main"[^}]*to="backup"[^}]*reason="failover"[^}]*\} 1/,
      );

      const cap = await captureProgram(hls(), killMs - 1500, killMs + 2500);
      const [lo, hi] = [cap.indexOf(killMs - 1200), cap.indexOf(killMs + 2300)];
      const mainAmp = steadyAmp(cap.pcm, lo, cap.indexOf(killMs - 200), MAIN, BACKUP);
      assert.ok(mainAmp > 0.08, `main's tone on air before the kill (amplitude ${mainAmp.toFixed(3)})`);
      const backupAmp = steadyAmp(cap.pcm, cap.indexOf(killMs + 1500), hi, BACKUP, MAIN);
      assert.ok(
        backupAmp > 0.08,
        `backup's tone on air after the failover (amplitude ${backupAmp.toFixed(3)})`,
      );
      // Where the program changed tone (PDT): after the kill, within the buffer + starvation time.
      const onset = toneOnset(cap.pcm, lo, hi, BACKUP, MAIN, backupAmp, 0.5);
      assert.ok(onset !== null, "backup's tone found");
      const switchMs = cap.wallOf(onset);
      assert.ok(
        switchMs > killMs && switchMs < killMs + mainDelayMs + 120 + 250,
        `tone changed ${switchMs - killMs} ms after the kill (main's delay ${mainDelayMs} ms)`,
      );
      const gap = longestSilenceIn(cap.pcm, lo, hi, GAP_THRESHOLD);
      t.diagnostic(
        `failover: event ${ev.atMs - killMs} ms, tone change ${(switchMs - killMs).toFixed(0)} ms after the kill (main's delay ${mainDelayMs} ms); longest silence ${(gap.len / MS).toFixed(2)} ms`,
      );
      assert.ok(
        gap.len < 10 * MS,
        `silent gap of ${(gap.len / MS).toFixed(1)} ms at ${(cap.wallOf(gap.at) - killMs).toFixed(0)} ms after the kill`,
      );
    });

    test("main restarted: back on air after ≈ minNoiseSec + returnDelaySec, with a crossfade", async (t) => {
      const from = sse.switches().length;
      scheduledStartMs = Date.now();
      // Sender time 10-16 s is digital silence: the next test's blank.
      mainSender = toneSender(ports.main, MAIN, { af: "volume=volume=0:enable='between(t,10,16)'" });
      const ev = await switchEvent((s) => s.reason === "return", from, 15_000, "return event");
      assert.deepEqual(ev.data, { from: "backup", to: "main", reason: "return", transition: "crossfade" });
      const eventSec = (ev.atMs - scheduledStartMs) / 1000;
      // 0.5 + 3 s, plus connection, decoder start and the 300 ms buffer (≤ 1 s by SPEC §3).
      assert.ok(
        eventSec >= 3.5 && eventSec <= RETURN_MAX_SEC,
        `return event ${eventSec.toFixed(2)} s after the restart`,
      );

      const cap = await captureProgram(hls(), ev.atMs - 1500, ev.atMs + 1500);
      const all = [0, cap.pcm.length] as const;
      const mainAmp = steadyAmp(cap.pcm, cap.indexOf(ev.atMs + 500), all[1], MAIN, BACKUP);
      const backupAmp = steadyAmp(cap.pcm, 0, cap.indexOf(ev.atMs - 500), BACKUP, MAIN);
      assert.ok(mainAmp > 0.08 && backupAmp > 0.08, `tones ${mainAmp.toFixed(3)} / ${backupAmp.toFixed(3)}`);
      const start = toneOnset(cap.pcm, ...all, MAIN, BACKUP, mainAmp, 0.1);
      const full = toneOnset(cap.pcm, start ?? 0, all[1], MAIN, BACKUP, mainAmp, 0.9);
      assert.ok(start !== null && full !== null, "main's tone rises in the program");
      const riseMs = (full - start) / MS;
      // Equal-power fade over 50 ms: 10 % → 90 % takes ~32 ms (a cut: ≤ the 5 ms window).
      assert.ok(riseMs >= 15 && riseMs <= 80, `440 Hz rises 10→90 % in ${riseMs.toFixed(1)} ms`);
      const fall = toneTrack(cap.pcm, full, full + 10 * MS, BACKUP, MAIN).map((w) => w.a);
      assert.ok(Math.max(...fall) < 0.5 * backupAmp, "backup has faded out once main is at 90 %");
      const onAirSec = (cap.wallOf(start) - scheduledStartMs) / 1000;
      t.diagnostic(
        `return: event ${eventSec.toFixed(2)} s, on air ${onAirSec.toFixed(2)} s after the restart; 10→90 % rise ${riseMs.toFixed(1)} ms`,
      );
      assert.ok(
        onAirSec >= 3.5 && onAirSec <= RETURN_MAX_SEC,
        `main on air ${onAirSec.toFixed(2)} s after the restart`,
      );
      const gap = longestSilenceIn(cap.pcm, ...all, GAP_THRESHOLD);
      assert.ok(gap.len < 10 * MS, `silent gap of ${(gap.len / MS).toFixed(1)} ms during the return`);
    });

    test("main goes digitally silent: backup after maxBlankSec (blank); back after minNoiseSec + returnDelaySec", async (t) => {
      const from = sse.switches().length;
      const blank = await switchEvent((s) => s.reason === "blank", from, 20_000, "blank event");
      assert.deepEqual(blank.data, { from: "main", to: "backup", reason: "blank", transition: "cut" });
      const blankSec = (blank.atMs - scheduledStartMs) / 1000;
      // Silence starts at sender time 10 s and is on air after the transport (SRT latency 0.2 s)
      // and main's delay D (a stock ffmpeg sender declares ~0.7 s: D ≈ 0.8-1.1 s; read now, it is
      // an upper bound: it may have grown while the silence was held); blank maxBlankSec later.
      // Where exactly the switch lands against the silence on air is asserted below (PDT).
      const heldSec = (await status()).inputs.find((i) => i.id === "main")!.targetDelayMs / 1000;
      const latestSec = 10 + 0.2 + heldSec + 2 + 0.5;
      assert.ok(
        blankSec >= 12 && blankSec <= latestSec,
        `blank switch ${blankSec.toFixed(2)} s after the sender started (latest ${latestSec.toFixed(2)} s: main's delay ${heldSec} s)`,
      );
      const back = await switchEvent((s) => s.reason === "return", from, 15_000, "return after the blank");
      assert.deepEqual(back.data, { from: "backup", to: "main", reason: "return", transition: "crossfade" });

      const cap = await captureProgram(hls(), blank.atMs - 3500, back.atMs + 1500);
      // On air: main's tone, main's silence for maxBlankSec, then backup's tone at once.
      const silence = longestSilenceIn(cap.pcm, 0, cap.indexOf(blank.atMs + 1000), 1e-3);
      const silenceMs = silence.len / MS;
      assert.ok(
        silenceMs >= 1950 && silenceMs <= 2080,
        `main's silence on air for ${silenceMs.toFixed(0)} ms`,
      );
      const silenceEnd = silence.at + silence.len;
      const backupAmp = steadyAmp(cap.pcm, silenceEnd + 200 * MS, silenceEnd + 1000 * MS, BACKUP, MAIN);
      const b = toneOnset(cap.pcm, silence.at, silenceEnd + 200 * MS, BACKUP, MAIN, backupAmp, 0.5);
      assert.ok(
        b !== null && Math.abs(b - silenceEnd) < 15 * MS,
        "backup's tone right where the silence ends",
      );
      // Main sounds again 6 s (sender time 16 - 10) after its silence started; on air 0.5 + 3 s later.
      const mainAmp = steadyAmp(cap.pcm, cap.indexOf(back.atMs + 500), cap.pcm.length, MAIN, BACKUP);
      const ret = toneOnset(cap.pcm, silenceEnd + 1000 * MS, cap.pcm.length, MAIN, BACKUP, mainAmp, 0.1);
      assert.ok(ret !== null, "main's tone returns");
      const retSec = (ret - silence.at) / RATE;
      t.diagnostic(
        `blank: switch ${blankSec.toFixed(2)} s after the sender start; silence on air ${silenceMs.toFixed(0)} ms; main back ${retSec.toFixed(3)} s after its silence began`,
      );
      // Main's tone proves itself as it arrives, its delay D before it is heard: minNoiseSec +
      // returnDelaySec run from the arrival, so it is back 6 + max(0, 3.5 - D) s later. Its delay may
      // have grown while its silence was held on air (digital silence comes in longer bursts), so
      // it can come back up to that much later on the program timeline.
      const delaySec = (await status()).inputs.find((i) => i.id === "main")!.targetDelayMs / 1000;
      const expected = 6 + Math.max(0, 0.5 + 3 - delaySec);
      assert.ok(
        retSec >= expected - 0.15 && retSec <= expected + 0.7,
        `main back ${retSec.toFixed(3)} s after its silence began (expected ${expected.toFixed(2)}: 6 + 0.5 + 3 - its delay ${delaySec} s, + what its delay grew)`,
      );
      const gap = longestSilenceIn(cap.pcm, silenceEnd, cap.pcm.length, GAP_THRESHOLD);
      assert.ok(gap.len < 10 * MS, `silent gap of ${(gap.len / MS).toFixed(1)} ms around the return`);
    });

    test("a manual switch over the API is in the output within 100 ms of the request (via PDT)", async (t) => {
      const results: { to: string; latencyMs: number; riseMs: number }[] = [];
      for (const [to, freq, other] of [
        ["backup", BACKUP, MAIN],
        ["main", MAIN, BACKUP],
        ["backup", BACKUP, MAIN],
        ["main", MAIN, BACKUP],
      ] as const) {
        const from = sse.switches().length;
        const requestMs = Date.now();
        const res = await fetch(`${d.url}/api/v1/switch`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ input: to }),
        });
        assert.equal(res.status, 200);
        const body = (await res.json()) as ChannelStatus;
        assert.equal(body.active, to);
        assert.equal(body.preferred, to);
        const ev = await switchEvent((s) => s.reason === "manual", from, 2000, "manual switch event");
        assert.equal(ev.data.to, to);
        assert.equal(ev.data.transition, "crossfade");

        const cap = await captureProgram(hls(), requestMs - 600, requestMs + 900);
        const amp = steadyAmp(cap.pcm, cap.indexOf(requestMs + 300), cap.pcm.length, freq, other);
        const onset = toneOnset(cap.pcm, 0, cap.pcm.length, freq, other, amp, 0.1);
        assert.ok(onset !== null, `${to}'s tone found`);
        const full = toneOnset(cap.pcm, onset, cap.pcm.length, freq, other, amp, 0.9)!;
        const latencyMs = cap.wallOf(onset) - requestMs;
        results.push({ to, latencyMs, riseMs: (full - onset) / MS });
        await new Promise((r) => setTimeout(r, 600));
      }
      for (const r of results) {
        assert.ok(
          r.latencyMs <= 100 + DETECT_WINDOW_MS,
          `switch to ${r.to} on air ${r.latencyMs.toFixed(1)} ms after the request`,
        );
        // A manual switch lands on the first frame due after the request, so its PDT is not
        // before the request (slack: the onset detector's window and Date vs monotonic clock).
        assert.ok(
          r.latencyMs >= -2 * DETECT_WINDOW_MS,
          `onset ${r.latencyMs.toFixed(1)} ms before the request: PDT mapping wrong`,
        );
        assert.ok(r.riseMs >= 15 && r.riseMs <= 80, `crossfade 10→90 % in ${r.riseMs.toFixed(1)} ms`);
      }
      t.diagnostic(
        `manual switch latency (request → first new-tone sample, PDT): ${results.map((r) => r.latencyMs.toFixed(1)).join(", ")} ms`,
      );
    });

    test("GET /api/v1/events delivered every switch, in order", () => {
      const log = sse.switches().map((e) => `${e.data.from}>${e.data.to}:${e.data.reason}`);
      const expect = [
        "main>backup:failover",
        "backup>main:return",
        "main>backup:blank",
        "backup>main:return",
        "main>backup:manual",
        "backup>main:manual",
        "main>backup:manual",
        "backup>main:manual",
      ];
      const i = log.indexOf(expect[0]!);
      assert.ok(i >= 0, `failover in ${log.join(", ")}`);
      assert.deepEqual(log.slice(i), expect);
      assert.equal(sse.events[0]?.event, "status", "the stream starts with a status event");
      assert.ok(
        sse.events.some((e) => e.event === "input" && (e.data as { id: string }).id === "main"),
        "input events for main",
      );
    });

    test("the preference survives a daemon restart", async () => {
      const toBackup = await fetch(`${d.url}/api/v1/switch`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ input: "backup" }),
      });
      assert.equal(toBackup.status, 200);
      assert.equal((await status()).preferred, "backup");
      const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as Record<string, unknown>;
      assert.equal(state.preferred, "backup", "persisted to statePath");
      await sse.close();
      await d.close();
      d = await startTestDaemon(yaml(ports), dir);
      const s = await status();
      assert.equal(s.preferred, "backup");
      // Cleared over the API: persisted as cleared too.
      const cleared = await fetch(`${d.url}/api/v1/switch`, {
        method: "DELETE",
        headers: { authorization: auth.authorization },
      });
      assert.equal(cleared.status, 200);
      assert.equal(((await cleared.json()) as ChannelStatus).preferred, null);
      await d.close();
      d = await startTestDaemon(yaml(ports), dir);
      assert.equal((await status()).preferred, null);
    });
  },
);
