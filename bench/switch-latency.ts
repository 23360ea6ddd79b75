/**
 * Switching benchmark (issue 4): failover gap, return time and manual-switch latency of a
 * running antenne channel with two real SRT tone senders (main 440 Hz, backup 660 Hz),
 * measured on the decoded HLS output (PROGRAM-DATE-TIME maps samples to wall time), over
 * BENCH_REPS repetitions each (default 20). If Liquidsoap is installed, the reference job
 * (../shared/reference/liquidsoap-channel.liq) runs the same failover scenario in the
 * same run and the ratios are printed. Prints only; no asserts.
 *
 *   npx tsc -p . && node dist/bench/switch-latency.js
 *
 * Definitions (the same for both daemons):
 * - failover gap: the longest run of samples below -40 dBFS (|v| < 0.01; the tones are at
 *   -18 dBFS) in the program from 1 s before the kill to 1 s after the new tone is on air.
 * - failover time: kill -9 of main's sender → backup's tone in the program.
 * - return time: main's sender restarted → main's tone back in the program (antenne: via
 *   PDT; Liquidsoap: its on_air event, it has no PDT).
 * - manual switch: POST /api/v1/switch → first sample of the new tone (5 ms windows), PDT.
 */
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseChannel } from "../src/config/load.js";
import { startDaemon, type Daemon } from "../src/daemon.js";
import { silentLogger } from "../src/log.js";
import type { ChannelStatus } from "../src/channel/view.js";
import { tempDir } from "../test/helpers/channel.js";
import { freeTcpPort } from "../test/helpers/ports.js";
import {
  RATE,
  SseReader,
  captureProgram,
  decodeTs,
  longestSilenceIn,
  steadyAmp,
  toneOnset,
  toneSender,
} from "../test/helpers/program-audio.js";
import { sleep, until } from "../test/helpers/proc.js";
import { kill, killAll } from "../test/e2e/srt-helpers.js";
import { systemClock } from "../src/clock/clock.js";
import { freeUdpPort } from "../test/helpers/ports.js";
import { fileURLToPath } from "node:url";

const REPS = Number(process.env.BENCH_REPS ?? 20);
const TOKEN = "bench-token";
const MAIN = 440;
const BACKUP = 660;
const GAP_THRESHOLD = 0.01;
const MS = RATE / 1000;
/** ../shared beside the repository (compiled to dist/bench/: three levels up is its parent). */
const LIQ = fileURLToPath(new URL("../../../shared/reference/liquidsoap-channel.liq", import.meta.url));

interface Stats {
  median: number;
  max: number;
  n: number;
}
function stats(xs: number[]): Stats {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  const n = s.length;
  const median = n === 0 ? NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
  return { median, max: n ? s[n - 1]! : NaN, n };
}
const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const line = (name: string, unit: string, s: Stats) =>
  `  ${name.padEnd(34)} median ${fmt(s.median).padStart(8)} ${unit}   max ${fmt(s.max).padStart(8)} ${unit}   (n=${s.n})`;

interface Failover {
  gapMs: number;
  failoverMs: number;
  returnMs: number;
}

// ---------------------------------------------------------------- antenne
async function benchAntenne(): Promise<{ runs: Failover[]; manual: number[] }> {
  const dir = tempDir("antenne-bench-switch-");
  const ports = { main: await freeUdpPort(), backup: await freeUdpPort() };
  const api = await freeTcpPort();
  const yaml = `
channel: bench
audio: { sampleRate: 48000, channels: 2 }
inputs:
  - id: main
    srt: { mode: listener, bind: "127.0.0.1:${ports.main}" }
  - id: backup
    srt: { mode: listener, bind: "127.0.0.1:${ports.backup}" }
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
  hls: { dir: ./hls, segmentSec: 1, windowSegments: 1000, profiles: [hi] }
api: { listen: "127.0.0.1:${api}", token: "${TOKEN}" }
`;
  const d: Daemon = await startDaemon(
    parseChannel(yaml, join(dir, "channel.yaml"), {}),
    silentLogger(),
    systemClock,
  );
  const sse = new SseReader(`${d.url}/api/v1/events`);
  const hls = `${d.url}/hls/bench_hi.m3u8`;
  const status = async () => (await (await fetch(`${d.url}/api/v1/status`)).json()) as ChannelStatus;
  const waitSwitch = (reason: string, from: number, timeoutMs: number) =>
    until(() => sse.switches().find((e, i) => i >= from && e.data.reason === reason), timeoutMs, reason, 10);
  let main = toneSender(ports.main, MAIN);
  toneSender(ports.backup, BACKUP);
  const runs: Failover[] = [];
  const manual: number[] = [];
  try {
    await until(async () => (await status()).active === "main", 30_000, "main on air");
    await sleep(2000);
    for (let r = 0; r < REPS; r++) {
      const from = sse.switches().length;
      const killMs = Date.now();
      await kill(main, "SIGKILL");
      const fo = await waitSwitch("failover", from, 10_000);
      await sleep(300);
      const restartMs = Date.now();
      main = toneSender(ports.main, MAIN);
      const ret = await waitSwitch("return", from, 20_000);
      await sleep(1500);
      const a = await captureProgram(hls, killMs - 2000, Math.max(fo.atMs, killMs) + 1500);
      const bAmp = steadyAmp(a.pcm, a.indexOf(fo.atMs + 500), a.pcm.length, BACKUP, MAIN);
      const onB = toneOnset(a.pcm, a.indexOf(killMs), a.pcm.length, BACKUP, MAIN, bAmp, 0.5) ?? NaN;
      // From 1 s before the kill (the capture starts 1 s earlier still: the decoder's first frame ramps in).
      const gap = longestSilenceIn(
        a.pcm,
        a.indexOf(killMs - 1000),
        Math.min(a.pcm.length, onB + 1000 * MS),
        GAP_THRESHOLD,
      );
      const b = await captureProgram(hls, ret.atMs - 1500, ret.atMs + 1000);
      const mAmp = steadyAmp(b.pcm, b.indexOf(ret.atMs + 300), b.pcm.length, MAIN, BACKUP);
      const onM = toneOnset(b.pcm, 0, b.pcm.length, MAIN, BACKUP, mAmp, 0.1) ?? NaN;
      const run = {
        // No backup tone found: the gap is unknown (not 0).
        gapMs: Number.isFinite(onB) ? gap.len / MS : NaN,
        failoverMs: a.wallOf(onB) - killMs,
        returnMs: b.wallOf(onM) - restartMs,
      };
      runs.push(run);
      // A return sooner than minNoiseSec + returnDelaySec after the restart breaks the hysteresis
      // unless something else put main on air: show every switch of this repetition.
      if (run.returnMs < 3500)
        process.stderr.write(
          `  early return; switches since the kill (ms after the restart): ${sse
            .switches()
            .slice(from)
            .map((e) => `${e.data.from}>${e.data.to}:${e.data.reason}@${e.atMs - restartMs}`)
            .join(" ")}\n`,
        );
      process.stderr.write(
        `antenne failover ${r + 1}/${REPS}: gap ${fmt(run.gapMs)} ms (at ${fmt((gap.at - onB) / MS)} ms from the tone change), failover ${fmt(run.failoverMs)} ms, return ${fmt(run.returnMs)} ms\n`,
      );
    }
    for (let r = 0; r < REPS; r++) {
      const to = r % 2 === 0 ? "backup" : "main";
      const [f, o] = to === "backup" ? [BACKUP, MAIN] : [MAIN, BACKUP];
      const requestMs = Date.now();
      const res = await fetch(`${d.url}/api/v1/switch`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ input: to }),
      });
      if (res.status !== 200) throw new Error(`switch to ${to}: ${res.status} ${await res.text()}`);
      await sleep(1000);
      const c = await captureProgram(hls, requestMs - 500, requestMs + 800);
      const amp = steadyAmp(c.pcm, c.indexOf(requestMs + 300), c.pcm.length, f, o);
      const on = toneOnset(c.pcm, 0, c.pcm.length, f, o, amp, 0.1);
      const ms = on === null ? NaN : c.wallOf(on) - requestMs;
      manual.push(ms);
      process.stderr.write(`antenne manual ${r + 1}/${REPS}: ${fmt(ms)} ms\n`);
    }
  } finally {
    await sse.close();
    await killAll();
    await d.close();
  }
  return { runs, manual };
}

// ---------------------------------------------------------------- Liquidsoap
function which(cmd: string): boolean {
  return ["/usr/bin/", "/usr/local/bin/"].some((p) => existsSync(p + cmd));
}

async function benchLiquidsoap(): Promise<{ runs: Failover[] } | { skipped: string }> {
  if (!which("liquidsoap")) return { skipped: "liquidsoap is not installed (apt-get install -y liquidsoap)" };
  if (!existsSync(LIQ)) return { skipped: `${LIQ} not found` };
  const dir = tempDir("liquidsoap-bench-switch-");
  const hlsDir = join(dir, "hls");
  const keep = join(dir, "keep");
  mkdirSync(hlsDir);
  mkdirSync(keep);
  const events = join(dir, "events.log");
  const ports = { main: await freeUdpPort(), backup: await freeUdpPort() };
  const lifetime = 60 + REPS * 40;
  const liq: ChildProcess = spawn("liquidsoap", [LIQ], {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      HLS_DIR: hlsDir,
      MAIN_PORT: String(ports.main),
      BACKUP_PORT: String(ports.backup),
      EVENTS: events,
      MAX_LIFETIME: String(lifetime),
      // No icecast2 here: the job's two Icecast outputs retry in the background, as in production
      // when Icecast is down. Port 9 (discard) refuses at once.
      ICE_PORT: "9",
    },
  });
  liq.stderr?.resume();
  const killer = setTimeout(() => liq.kill("SIGKILL"), (lifetime + 30) * 1000);
  // Keep every closed midfi segment (the job lists only 5). Liquidsoap writes a segment in
  // place while it is open: only segments with a newer one after them are complete.
  const copier = setInterval(() => {
    const files = readdirSync(hlsDir)
      .filter((f) => /^aac_midfi_2_\d+_\d+\.ts$/.test(f))
      .sort((a, b) => Number(a.split("_")[4]!.split(".")[0]) - Number(b.split("_")[4]!.split(".")[0]));
    for (const f of files.slice(0, -1))
      if (!existsSync(join(keep, f))) {
        try {
          copyFileSync(join(hlsDir, f), join(keep, f));
        } catch {
          /* deleted meanwhile */
        }
      }
  }, 300);
  const log = (): { t: number; what: string; detail: string }[] =>
    existsSync(events)
      ? readFileSync(events, "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => {
            const [t, what = "", detail = ""] = l.split(" ");
            return { t: Number(t) * 1000, what, detail };
          })
      : [];
  const onAir = (label: string, afterMs: number) =>
    log().find((e) => e.what === "on_air" && e.detail === label && e.t >= afterMs);

  /** A sender that is restarted while the listener refuses it (ffmpeg's listener re-opens after an error). */
  let stopMain = false;
  const mainLoop = async (startMs: number) => {
    for (;;) {
      if (stopMain) return;
      const s = toneSender(ports.main, MAIN);
      mainSender = s;
      const t0 = Date.now();
      await new Promise<void>((res) => s.once("exit", () => res()));
      if (stopMain || Date.now() - t0 > 30_000) return;
      if (Date.now() - startMs > 60_000) return;
      await sleep(200);
    }
  };
  let mainSender: ChildProcess | null = null;

  /** Audio of the job's midfi variant around [fromMs, toMs]; segment names carry their opening wall time. */
  const capture = async (fromMs: number, toMs: number) => {
    await until(
      () => (readdirSync(keep).some((f) => Number(f.split("_")[3]) > toMs + 2500) ? true : null),
      30_000,
      "Liquidsoap segments",
      300,
    );
    const segs = readdirSync(keep)
      .map((f) => ({ f, ms: Number(f.split("_")[3]), pos: Number(f.split("_")[4]!.split(".")[0]) }))
      .sort((a, b) => a.pos - b.pos);
    let first = 0;
    segs.forEach((s, i) => {
      if (s.ms <= fromMs) first = i;
    });
    const sel = segs.slice(Math.max(0, first)).filter((s) => s.ms < toMs);
    const pcm = await decodeTs(Buffer.concat(sel.map((s) => readFileSync(join(keep, s.f)))));
    const start = sel[0]!.ms;
    return {
      pcm,
      wallOf: (i: number) => start + i / MS,
      indexOf: (ms: number) => Math.max(0, Math.min(pcm.length, Math.round((ms - start) * MS))),
    };
  };

  const runs: Failover[] = [];
  try {
    await until(() => log().some((e) => e.what === "script_start"), 30_000, "Liquidsoap started", 200);
    await sleep(1000);
    void mainLoop(Date.now());
    toneSender(ports.backup, BACKUP, { maxMs: lifetime * 1000 });
    await until(() => onAir("main", 0), 30_000, "main on air in Liquidsoap", 200);
    await sleep(3000);
    for (let r = 0; r < REPS; r++) {
      stopMain = true;
      const killMs = Date.now();
      if (mainSender) await kill(mainSender, "SIGKILL");
      const fo = await until(() => onAir("backup", killMs), 30_000, "Liquidsoap failover", 100);
      await sleep(300);
      stopMain = false;
      const restartMs = Date.now();
      void mainLoop(restartMs);
      const ret = await until(() => onAir("main", restartMs), 60_000, "Liquidsoap return", 100);
      await sleep(2000);
      const a = await capture(killMs - 2000, fo.t + 1500);
      const bAmp = steadyAmp(a.pcm, a.indexOf(fo.t + 500), a.pcm.length, BACKUP, MAIN);
      const onB = toneOnset(a.pcm, a.indexOf(killMs), a.pcm.length, BACKUP, MAIN, bAmp, 0.5) ?? NaN;
      const gap = longestSilenceIn(
        a.pcm,
        a.indexOf(killMs - 1000),
        Math.min(a.pcm.length, onB + 1000 * MS),
        GAP_THRESHOLD,
      );
      const run = {
        // No backup tone found: the gap is unknown (not 0).
        gapMs: Number.isFinite(onB) ? gap.len / MS : NaN,
        failoverMs: fo.t - killMs,
        returnMs: ret.t - restartMs,
      };
      runs.push(run);
      process.stderr.write(
        `liquidsoap failover ${r + 1}/${REPS}: gap ${fmt(run.gapMs)} ms, failover ${fmt(run.failoverMs)} ms (on_air event; ${fmt(a.wallOf(onB) - killMs)} ms in its audio by segment-name time), return ${fmt(run.returnMs)} ms\n`,
      );
    }
  } finally {
    stopMain = true;
    clearInterval(copier);
    clearTimeout(killer);
    await killAll();
    liq.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 1000));
    if (liq.exitCode === null) liq.kill("SIGKILL");
  }
  return { runs };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const a = await benchAntenne();
  const l = await benchLiquidsoap().catch((err: unknown) => ({ skipped: `failed: ${String(err)}` }));
  const ag = stats(a.runs.map((r) => r.gapMs));
  const af = stats(a.runs.map((r) => r.failoverMs));
  const ar = stats(a.runs.map((r) => r.returnMs));
  const am = stats(a.manual);
  console.log(
    `\nSwitching benchmark (issue 4), ${REPS} repetitions each, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
  console.log("antenne (bufferMs 300, starvationMs 300, minNoiseSec 0.5, returnDelaySec 3, crossfadeMs 50):");
  console.log(line("failover gap (silence < -40 dBFS)", "ms", ag));
  console.log(line("failover (kill -9 → backup on air)", "ms", af));
  console.log(line("return (restart → main on air)", "ms", ar));
  console.log(line("manual switch (request → on air)", "ms", am));
  if ("skipped" in l) {
    console.log(`Liquidsoap: not measured: ${l.skipped}`);
    return;
  }
  const lg = stats(l.runs.map((r) => r.gapMs));
  const lf = stats(l.runs.map((r) => r.failoverMs));
  const lr = stats(l.runs.map((r) => r.returnMs));
  console.log(
    "Liquidsoap 2.1.3 reference job (fallback track_sensitive=false, buffer max 3 s, no return delay):",
  );
  console.log(line("failover gap (silence < -40 dBFS)", "ms", lg));
  console.log(line("failover (kill -9 → on_air backup)", "ms", lf));
  console.log(line("return (restart → on_air main)", "ms", lr));
  console.log("  manual switch                      n/a (the job has no manual switch)");
  const ratio = (x: number, y: number) =>
    y > 0 && x > 0 ? (x / y).toFixed(2) : `n/a (${fmt(x)} vs ${fmt(y)} ms)`;
  console.log("ratios Liquidsoap / antenne (median):");
  console.log(
    `  failover gap ${ratio(lg.median, ag.median)}, failover ${ratio(lf.median, af.median)}, return ${ratio(lr.median, ar.median)}`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
