/**
 * One stock-sender case end to end, shared by test/e2e/stock-senders.test.ts (which asserts) and
 * bench/stock-senders.ts (which tabulates): a daemon of its own (in-process, real libsrt, real
 * ffmpeg encoders, HLS served by its API) with the SRT input(s) under test first and a `tone`
 * safety last; the sender started; the moment the input goes on air; whatever the case does
 * while it is on air; then the program as an HLS client hears it (segments decoded, every sample
 * mapped to wall time by PROGRAM-DATE-TIME), the switch events (SSE), the status polled every
 * 250 ms, the log lines and the error counters. Nothing here asserts: it records.
 */
import type { ChannelStatus, InputStatus } from "../../src/channel/view.js";
import type { Daemon } from "../../src/daemon.js";
import { LogSink, startLoggedDaemon } from "../e2e/srt-daemon-helpers.js";

import { tempDir } from "./channel.js";
import { until } from "./proc.js";
import { SseReader, captureProgram, type ProgramAudio } from "./program-audio.js";
import type { Sender } from "./stock-senders.js";
import { UdpRelay, type RelayOptions, type RelayStats } from "./udp-relay.js";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freeUdpPort } from "./ports.js";
import { sleep } from "./proc.js";

export const SAFETY_HZ = 1000;
export const TOKEN = "stock-senders-token-7f3a";
export const SWITCHER = { minNoiseSec: 1, maxBlankSec: 2, returnDelaySec: 2 };

export interface CaseInput {
  id: string;
  /** The `srt:` mapping, given the input's port (bound as a listener, or called as a caller). */
  srt: (port: number) => string;
  group?: string;
  /** A relay between sender and input (listener inputs): the sender is told the relay's port. */
  relay?: Omit<RelayOptions, "targetPort">;
}

export interface SenderContext {
  dir: string;
  /** Where the sender must send (or listen), per input id. */
  ports: Record<string, number>;
}

export interface CaseContext extends SenderContext {
  daemon: Daemon;
  relays: Record<string, UdpRelay>;
  sse: SseReader;
  status(): Promise<ChannelStatus>;
  /** POST /api/v1/switch; resolves with the HTTP status. */
  switchTo(id: string): Promise<number>;
}

export interface CaseSpec {
  name: string;
  inputs: CaseInput[];
  start(ctx: SenderContext): Sender | Promise<Sender>;
  /** The sender is started before the daemon (an input that calls it); time to air counts from the daemon start. */
  senderFirst?: boolean;
  /** Work before the daemon starts (it would stall the daemon's event loop later), e.g. a reference file. */
  prepare?(dir: string): void;
  /** The input that must go on air. */
  onAir: string;
  /** What happens once it is on air (default: nothing for `observeSec`). */
  during?(ctx: CaseContext): Promise<void>;
  observeSec?: number;
  onAirTimeoutSec?: number;
}

export interface SwitchRecord {
  /** Wall ms the event was emitted. */
  atMs: number;
  /**
   * Wall ms (PROGRAM-DATE-TIME scale) of the program sample where the switch happened: the
   * program position of the switch frame, taken in-process when the channel emits the event.
   */
  programMs: number;
  from: string | null;
  to: string | null;
  reason: string;
  transition: string;
}

/** An SSE `input` event: the link state or availability of an input changed. */
export interface InputEventRecord {
  atMs: number;
  id: string;
  state: string;
  available: boolean;
  blank: boolean;
}

export interface Poll {
  atMs: number;
  active: string | null;
  inputs: InputStatus[];
}

export interface CaseRun {
  name: string;
  /** Wall ms the sender (or, senderFirst, the daemon) was started. */
  startedMs: number;
  onAirMs: number | null;
  /** Wall ms the case's observation ended. */
  endMs: number;
  /** The channel's switch events (in-process). */
  events: SwitchRecord[];
  /** The same as the API's SSE stream delivered them. */
  sseEvents: Omit<SwitchRecord, "programMs">[];
  inputEvents: InputEventRecord[];
  polls: Poll[];
  final: ChannelStatus | null;
  errors: Record<string, number>;
  capture: ProgramAudio | null;
  captureError: string | null;
  relays: Record<string, RelayStats>;
  logs: Record<string, unknown>[];
  senderStderr: string;
  senderMarks: Record<string, number>;
}

const yaml = (spec: CaseSpec, ports: Record<string, number>) => (api: number) => `
channel: stock
audio: { sampleRate: 48000, channels: 2 }
inputs:
${spec.inputs
  .map((i) => `  - id: ${i.id}\n${i.group ? `    group: ${i.group}\n` : ""}    srt: ${i.srt(ports[i.id]!)}`)
  .join("\n")}
  - id: safety
    tone: { frequencyHz: ${SAFETY_HZ} }
switcher:
  returnDelaySec: ${SWITCHER.returnDelaySec}
  silence: { minNoiseSec: ${SWITCHER.minNoiseSec}, maxBlankSec: ${SWITCHER.maxBlankSec} }
profiles:
  hi: { codec: aac, bitrate: 128k }
outputs:
  hls: { dir: ./hls, segmentSec: 1, windowSegments: 120, profiles: [hi] }
api: { listen: "127.0.0.1:${api}", token: "${TOKEN}" }
`;

/** Runs one case; always cleans up (senders by PID, relays, daemon, temp dir). */
export async function runCase(spec: CaseSpec): Promise<CaseRun> {
  const r = new CaseRunner(spec);
  try {
    await r.paths();
    spec.prepare?.(r.dir);
    let startedMs = Date.now();
    if (spec.senderFirst) r.sender = await spec.start({ ports: r.sendTo, dir: r.dir });
    if (spec.senderFirst) startedMs = Date.now();
    const ctx = await r.startDaemon();
    if (!spec.senderFirst) {
      startedMs = Date.now();
      r.sender = await spec.start(ctx);
    }
    const onAir = await until(
      () => r.switches.find((e) => e.to === spec.onAir),
      (spec.onAirTimeoutSec ?? 15) * 1000,
      `${spec.onAir} on air`,
      20,
    ).catch(() => null);
    if (onAir && spec.during) await spec.during(ctx);
    else if (onAir) await sleep((spec.observeSec ?? 16) * 1000);
    const endMs = Date.now();
    return await r.record(ctx, { startedMs, onAirMs: onAir?.atMs ?? null, endMs });
  } finally {
    await r.close();
  }
}

/** The parts of one case run, and their clean-up. */
class CaseRunner {
  readonly dir = tempDir("antenne-stock-");
  readonly sink = new LogSink("info");
  /** The inputs' own ports, and where the sender must go (a relay's port when there is one). */
  readonly ports: Record<string, number> = {};
  readonly sendTo: Record<string, number> = {};
  readonly relays: Record<string, UdpRelay> = {};
  /** The channel's own switch events, with the program position they happen at. */
  readonly switches: SwitchRecord[] = [];
  readonly polls: Poll[] = [];
  sender: Sender | null = null;
  private daemon: Daemon | null = null;
  private sse: SseReader | null = null;
  private polling = true;

  constructor(private readonly spec: CaseSpec) {}

  async paths(): Promise<void> {
    for (const i of this.spec.inputs) {
      const port = await freeUdpPort();
      this.ports[i.id] = this.sendTo[i.id] = port;
      if (!i.relay) continue;
      const relay = await UdpRelay.start({ ...i.relay, targetPort: port });
      this.relays[i.id] = relay;
      this.sendTo[i.id] = relay.port;
    }
  }

  /** The daemon up, its events and status watched, the safety on air. */
  async startDaemon(): Promise<CaseContext> {
    const d = await startLoggedDaemon(yaml(this.spec, this.ports), this.dir, this.sink.log);
    this.daemon = d;
    // The API's SSE stream carries the same events without positions, and may connect after the first.
    d.channel.on("switch", (ev) =>
      this.switches.push({
        ...ev,
        atMs: Date.now(),
        programMs: d.channel.program.wallMsOf(d.channel.program.pos),
      }),
    );
    const sse = (this.sse = new SseReader(`${d.url}/api/v1/events`));
    const ctx: CaseContext = {
      daemon: d,
      dir: this.dir,
      ports: this.sendTo,
      relays: this.relays,
      sse,
      status: async () => (await (await fetch(`${d.url}/api/v1/status`)).json()) as ChannelStatus,
      switchTo: async (id) =>
        (
          await fetch(`${d.url}/api/v1/switch`, {
            method: "POST",
            headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
            body: JSON.stringify({ input: id }),
          })
        ).status,
    };
    await until(async () => (await ctx.status()).active === "safety", 10_000, "the safety on air");
    void this.poll(ctx);
    return ctx;
  }

  private async poll(ctx: CaseContext): Promise<void> {
    while (this.polling) {
      const s = await ctx.status().catch(() => null);
      if (s) this.polls.push({ atMs: Date.now(), active: s.active, inputs: s.inputs });
      await sleep(250);
    }
  }

  /** The program heard from 1 s before on air to the end, and everything the run recorded. */
  async record(ctx: CaseContext, t: Pick<CaseRun, "startedMs" | "onAirMs" | "endMs">): Promise<CaseRun> {
    let capture: ProgramAudio | null = null;
    let captureError: string | null = null;
    try {
      const from = (t.onAirMs ?? t.startedMs) - 1000;
      capture = await captureProgram(`${ctx.daemon.url}/hls/stock_hi.m3u8`, from, t.endMs, 20_000);
    } catch (err) {
      captureError = String(err);
    }
    return {
      name: this.spec.name,
      ...t,
      // Copies: the daemon keeps emitting until it is closed (the sender's stop is a failover).
      events: [...this.switches],
      sseEvents: ctx.sse.switches().map((e) => ({ atMs: e.atMs, ...e.data })),
      inputEvents: ctx.sse.events
        .filter((e) => e.event === "input")
        .map((e) => ({ atMs: e.atMs, ...(e.data as Omit<InputEventRecord, "atMs">) })),
      polls: [...this.polls],
      final: await ctx.status(),
      errors: Object.fromEntries(ctx.daemon.channel.counters().errors),
      capture,
      captureError,
      relays: Object.fromEntries(Object.entries(this.relays).map(([k, r]) => [k, r.stats])),
      logs: [...this.sink.lines],
      senderStderr: this.sender?.stderr() ?? "",
      senderMarks: { ...this.sender?.marks },
    };
  }

  async close(): Promise<void> {
    this.polling = false;
    await this.sse?.close();
    await this.sender?.stop();
    await Promise.all(Object.values(this.relays).map((r) => r.close()));
    await this.daemon?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * With STOCK_TRACE_DIR set, a run's record (events, polls, log lines; not the audio) is written
 * there as JSON, for diagnosis after the fact.
 */
export function saveTrace(run: CaseRun): string | null {
  const dir = process.env.STOCK_TRACE_DIR;
  if (!dir) return null;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${run.name.replace(/[^A-Za-z0-9]+/g, "-").slice(0, 60)}.json`);
  writeFileSync(file, JSON.stringify({ ...run, capture: null }, null, 1));
  return file;
}
