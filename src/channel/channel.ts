/**
 * One radio channel: inputs (hot standby) → program clock and switcher → one encoder for every
 * profile → outputs. Wiring and shutdown live here; the status projection, program metering,
 * manual switching and events live beside it in this folder.
 */
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { ChannelConfig } from "../config/load.js";
import { Encoder } from "../encode/encoder.js";
import { Crossfade } from "../engine/crossfade.js";
import { PcmHistory } from "../engine/pcm-history.js";
import { Program } from "../engine/program.js";
import { ChannelSwitch } from "../engine/switch-driver.js";
import { restartGrid } from "../encode/encoder-args.js";
import type { ErrorReporter } from "../errors/reporter.js";
import { createInput } from "../input/registry.js";
import { createOutputs, usedProfiles, type BuiltOutputs } from "../output/registry.js";
import type { Runtime } from "../runtime.js";
import type { ChannelInput, Output, ProgramHealth, StateStore, SwitchEvent } from "../types/index.js";
import { TypedEmitter } from "../util/events.js";
import { VERSION } from "../version.js";
import { HealthLog } from "./health-log.js";
import { Playouts } from "./playouts.js";
import { ProgramMeter } from "./program-meter.js";
import { inputStatus, profileStatus, programStatus } from "./status.js";
import { PREFERRED_KEY, SwitchControl } from "./switch-control.js";
import { TICK_MS } from "./tick.js";
import type {
  ChannelCounters,
  ChannelEvents,
  ChannelStatus,
  ChannelView,
  Readiness,
  SwitchResult,
} from "./view.js";

export interface ChannelDeps {
  config: ChannelConfig;
  log: Logger;
  state: StateStore;
  runtime: Runtime;
  errors: ErrorReporter;
}

const FRAME_MS = 20;
/** Encoder runs start on a grid every codec's frames fit (9216 = 9 AAC frames = 8 MP3 frames). */
const GRID = restartGrid(["aac", "mp3"]);

export class Channel implements ChannelView, ProgramHealth {
  readonly channel: string;
  readonly inputs: ChannelInput[];
  readonly switch: ChannelSwitch;
  readonly program: Program;
  readonly encoder: Encoder;
  readonly outputs: Output[];
  private readonly built: BuiltOutputs;
  private readonly events: TypedEmitter<ChannelEvents>;
  private readonly meter: ProgramMeter;
  private readonly history: PcmHistory;
  private readonly control: SwitchControl;
  private readonly startedMs: number;
  private readonly switchCounts = new Map<string, number>();
  private readonly healthLog = new HealthLog();
  private metadata: { title: string; artist: string } | null = null;
  private closed: Promise<void> | null = null;

  constructor(private readonly deps: ChannelDeps) {
    const { config: cfg, runtime, errors } = deps;
    const clock = runtime.clock;
    this.channel = cfg.channel;
    this.startedMs = clock.monoMs();
    this.events = new TypedEmitter<ChannelEvents>(deps.log);
    const format = cfg.audio;
    const playouts = new Playouts({
      sampleRate: format.sampleRate,
      bufferMs: cfg.switcher.bufferMs,
      maxBufferMs: cfg.switcher.maxBufferMs,
      active: () => this.switch.active,
      log: deps.log,
    });
    this.inputs = cfg.inputs.map((i) =>
      createInput(i, {
        format,
        bufferMs: cfg.switcher.bufferMs,
        starvationMs: cfg.switcher.starvationMs,
        thresholdDb: cfg.switcher.silence.thresholdDb,
        playout: (group) => playouts.for(i.id, group),
        runtime,
        log: deps.log.child({ input: i.id }),
        errors,
      }),
    );
    this.switch = new ChannelSwitch({
      inputs: this.inputs.map((i) => ({ id: i.id, autofallback: i.autofallback, canFail: i.canFail })),
      sampleRate: format.sampleRate,
      channels: format.channels,
      availability: { ...cfg.switcher.silence, starvationMs: cfg.switcher.starvationMs },
      returnDelaySec: cfg.switcher.returnDelaySec,
      preferred: this.savedPreference(),
      log: deps.log,
      onHealthChange: (id) => this.emitInput(id),
    });
    this.control = new SwitchControl(this.switch, deps.state, clock);
    this.meter = new ProgramMeter({ format, ...cfg.switcher.silence });

    const segmentSec = cfg.outputs.hls?.segmentSec ?? 4;
    this.history = new PcmHistory(format.channels, Math.round((segmentSec + 3) * format.sampleRate));
    this.encoder = new Encoder({
      profiles: usedProfiles(cfg).map((name) => {
        const p = cfg.profiles[name]!;
        return { profile: name, codec: p.codec, bitrate: p.bitrate };
      }),
      format,
      history: this.history,
      log: deps.log.child({ component: "encoder" }),
      clock,
      ffmpeg: runtime.ffmpeg,
    });
    const crossfadeSamples = Math.round((cfg.switcher.crossfadeMs / 1000) * format.sampleRate);
    this.program = new Program({
      format,
      frameMs: FRAME_MS,
      tickMs: TICK_MS,
      grid: GRID,
      clockPolicy: { segmentSamples: Math.round(segmentSec * format.sampleRate) },
      clock,
      errors,
      beforeTick: (monoMs) => {
        const now = { monoMs, pos: this.program.clock.positionAt(monoMs) };
        for (const i of this.inputs) i.poll?.(now);
        this.encoder.drain();
      },
      afterTick: () => this.encoder.flush(),
      inputs: this.inputs.map((i) => i.source),
      driver: this.switch,
      history: this.history,
      log: deps.log.child({ component: "program" }),
      makeFader: () => new Crossfade(crossfadeSamples),
      onFrame: (pcm, pos) => {
        this.encoder.feed(pcm);
        this.meter.push(pcm);
        this.healthLog.note(pos, this.degraded() !== null);
      },
      onSwitch: (ev) => this.onSwitch(ev),
      onJump: (j) => this.encoder.jump(j.to, j.reason),
    });
    this.built = createOutputs(cfg, {
      channel: cfg.channel,
      format,
      stream: (profile) => {
        const s = this.encoder.streams.find((x) => x.profile === profile);
        if (!s) throw new Error(`profile "${profile}" is not encoded`);
        return s;
      },
      timeline: this.program,
      health: this,
      state: deps.state,
      clock,
      log: deps.log,
      errors,
    });
    this.outputs = this.built.outputs;
    this.wireEvents();
  }

  private savedPreference(): string | null {
    const saved = this.deps.state.get<string>(PREFERRED_KEY) ?? null;
    if (saved === null || this.inputs.some((i) => i.id === saved)) return saved;
    this.deps.errors.report("ANTENNE_STATE_UNKNOWN_PREFERRED", { preferred: saved });
    return null;
  }

  /** Events come from the components that own them; nothing is found by diffing snapshots. */
  private wireEvents(): void {
    for (const i of this.inputs) i.on("state", () => this.emitInput(i.id));
    for (const o of this.outputs)
      o.on("state", ({ state }) => this.events.emit("output", { id: o.id, state }));
    this.deps.errors.onReport((r) =>
      this.events.emit("problem", {
        code: r.code,
        message: r.message,
        ...(typeof r.fields.input === "string" ? { input: r.fields.input } : {}),
        ...(typeof r.fields.output === "string" ? { output: r.fields.output } : {}),
      }),
    );
  }

  private emitInput(id: string): void {
    const input = this.inputs.find((i) => i.id === id);
    const m = this.switch.meters.get(id);
    if (!input || !m) return;
    this.events.emit("input", {
      id,
      state: input.link().state,
      available: m.health.available,
      blank: m.health.blank,
    });
  }

  /** Registers the output kinds' own metrics (the channel metrics are in src/metrics/). */
  registerOutputMetrics(registry: Registry): void {
    this.built.registerMetrics(registry);
  }

  start(): void {
    for (const i of this.inputs) i.start();
    // The timeline is anchored first: the encoder's first run starts at the program's first position.
    this.program.start();
    this.history.startAt(this.program.pos);
    this.encoder.start();
    for (const o of this.outputs) o.start();
    this.deps.log.info(
      {
        inputs: this.inputs.map((i) => i.id),
        profiles: this.encoder.streams.map((s) => s.profile),
        outputs: this.outputs.map((o) => o.id),
        sampleRate: this.deps.config.audio.sampleRate,
      },
      "channel started",
    );
  }

  private onSwitch(ev: SwitchEvent): void {
    const key = `${ev.from ?? "none"}\u0000${ev.to ?? "none"}\u0000${ev.reason}`;
    this.switchCounts.set(key, (this.switchCounts.get(key) ?? 0) + 1);
    this.deps.log.info({ from: ev.from, to: ev.to, reason: ev.reason, transition: ev.transition }, "switch");
    this.events.emit("switch", ev);
  }

  on<K extends keyof ChannelEvents>(event: K, fn: ChannelEvents[K]): void {
    this.events.on(event, fn);
  }

  off<K extends keyof ChannelEvents>(event: K, fn: ChannelEvents[K]): void {
    this.events.off(event, fn);
  }

  degraded(): string | null {
    const active = this.inputs.find((i) => i.id === this.switch.active);
    if (!active) return "no input on air (silence)";
    if (active.kind === "file" || active.kind === "tone") return `on the safety source "${active.id}"`;
    if (this.meter.blank) return "program blank";
    return null;
  }

  degradedDuring(fromPos: number, toPos: number): boolean {
    return this.healthLog.during(fromPos, toPos);
  }

  status(): ChannelStatus {
    return {
      channel: this.channel,
      version: VERSION,
      uptimeSec: Math.round((this.deps.runtime.clock.monoMs() - this.startedMs) / 100) / 10,
      active: this.switch.active,
      preferred: this.switch.state.preferred,
      program: programStatus(this.meter, this.program.clock, this.degraded()),
      metadata: this.metadata,
      inputs: this.inputs.map((i, k) => inputStatus(i, k, this.switch.meters.get(i.id)!)),
      profiles: this.encoder.streams.map(profileStatus),
      outputs: this.outputs.map((o) => o.status()),
    };
  }

  ready(): Readiness {
    if (!this.program.running) return { ok: false, reason: "program clock not running" };
    for (const o of this.outputs) {
      const r = o.ready?.();
      if (r && !r.ok) return r;
    }
    return { ok: true };
  }

  async requestSwitch(id: string): Promise<SwitchResult> {
    const r = await this.control.request(id);
    return r.ok ? { ok: true, status: this.status() } : r;
  }

  async clearPreference(): Promise<ChannelStatus> {
    await this.control.clear();
    return this.status();
  }

  setMetadata(meta: { title: string; artist: string }): ChannelStatus {
    this.metadata = meta;
    for (const o of this.outputs) o.setMetadata?.(meta);
    return this.status();
  }

  counters(): ChannelCounters {
    const switches = [...this.switchCounts.entries()].map(([k, count]) => {
      const [from = "", to = "", reason = ""] = k.split("\u0000");
      return { from, to, reason, count };
    });
    return { switches, errors: this.deps.errors.totals(), eventLoopLag: this.program.lag.stats() };
  }

  /** Idempotent. Order: inputs → program → encoder → outputs (the API is closed by its owner first). */
  close(): Promise<void> {
    this.closed ??= (async () => {
      await Promise.all(this.inputs.map((i) => i.close()));
      this.program.stop();
      await this.encoder.close();
      await Promise.all(this.outputs.map((o) => o.close()));
      await this.deps.state.flush();
      this.deps.log.info("channel stopped");
    })();
    return this.closed;
  }
}
