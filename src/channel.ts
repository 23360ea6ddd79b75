import type { Logger } from "pino";
import type { ChannelConfig } from "./config/load.js";
import { Encoder, type ProfileStream } from "./encode/encoder.js";
import { Crossfade } from "./engine/crossfade.js";
import { measureLevel, type Level } from "./engine/level.js";
import { LoudnessMeter } from "./engine/loudness.js";
import { PcmHistory } from "./engine/pcm-history.js";
import { Program, type SwitchEvent } from "./engine/program.js";
import { ChannelSwitch } from "./engine/switch-driver.js";
import type { ChannelInput, InputState } from "./input/channel-input.js";
import { createInput } from "./input/create.js";
import { HlsOutput } from "./output/hls/hls-output.js";
import { IcecastOutput } from "./output/icecast/source-client.js";
import type { AudioFormat, OutputStatus, StateStore } from "./stages.js";
import type {
  ChannelCounters,
  ChannelEvents,
  ChannelStatus,
  ChannelView,
  InputStatus,
  SwitchResult,
} from "./status.js";
import { TypedEmitter } from "./util/events.js";
import { VERSION } from "./version.js";

export interface ChannelDeps {
  config: ChannelConfig;
  log: Logger;
  state: StateStore;
  ffmpeg?: string;
}

const FRAME_MS = 20;
/**
 * The program clock wakes every 3 frames: each wake-up costs more CPU than the audio work
 * of a frame on a small VM (docs/benchmarks.md), and the encoder takes the tick's frames in
 * one write. Switches still land on a 20 ms frame; they reach the audio ≤ 60 ms later.
 */
const TICK_MS = 60;
const WATCH_TICKS = 4;

/**
 * One radio channel: inputs (hot standby) → program clock and switcher → one encoder
 * per profile → HLS and Icecast outputs. The API reads it through ChannelView.
 */
export class Channel implements ChannelView {
  readonly channel: string;
  readonly format: AudioFormat;
  readonly inputs: ChannelInput[];
  readonly switch: ChannelSwitch;
  readonly program: Program;
  readonly encoder: Encoder;
  /** Encoded streams by profile (only profiles some output uses are encoded). */
  readonly encoders = new Map<string, ProfileStream>();
  readonly hls: HlsOutput | null;
  readonly icecast: IcecastOutput[];
  private readonly events: TypedEmitter<ChannelEvents>;
  private readonly startedMs = performance.now();
  private readonly programMeter: LoudnessMeter;
  private programLevel: Level = { rmsDb: -120, peakDb: -120 };
  private programBlankSinceMs: number | null = null;
  private programBlank = false;
  private readonly switchCounts = new Map<string, number>();
  private readonly lastInputState = new Map<string, string>();
  private readonly lastOutputState = new Map<string, string>();
  private ticks = 0;
  private metadata: { title: string; artist: string } | null = null;
  private hlsBytes = 0;
  private closed: Promise<void> | null = null;

  constructor(private readonly deps: ChannelDeps) {
    const cfg = deps.config;
    this.channel = cfg.channel;
    this.format = cfg.audio;
    this.events = new TypedEmitter<ChannelEvents>(deps.log);
    const now = () => performance.now();
    this.inputs = cfg.inputs.map((i) => createInput(i, cfg, deps.log.child({ input: i.id }), now));

    const saved = deps.state.get<string>("preferred") ?? null;
    const known = saved !== null && this.inputs.some((i) => i.id === saved);
    if (saved !== null && !known)
      deps.log.warn({ preferred: saved }, "state file names an unknown input as preferred; ignored");
    this.switch = new ChannelSwitch({
      inputs: this.inputs.map((i) => ({ id: i.id, autofallback: i.autofallback })),
      sampleRate: this.format.sampleRate,
      channels: this.format.channels,
      availability: { ...cfg.switcher.silence, starvationMs: cfg.switcher.starvationMs },
      returnDelaySec: cfg.switcher.returnDelaySec,
      preferred: known ? saved : null,
      log: deps.log,
    });
    this.programMeter = new LoudnessMeter(this.format.sampleRate, this.format.channels);

    const hlsCfg = cfg.outputs.hls;
    const historySec = (hlsCfg?.segmentSec ?? 4) + 3;
    const history = new PcmHistory(this.format.channels, Math.round(historySec * this.format.sampleRate));
    const used = new Set([...(hlsCfg?.profiles ?? []), ...cfg.outputs.icecast.map((i) => i.profile)]);
    const profiles = Object.entries(cfg.profiles).flatMap(([name, p]) => {
      if (used.has(name)) return [{ profile: name, codec: p.codec, bitrate: p.bitrate }];
      deps.log.info({ profile: name }, "profile not used by any output; not encoded");
      return [];
    });
    this.encoder = new Encoder({
      profiles,
      format: this.format,
      history,
      log: deps.log.child({ component: "encoder" }),
      ffmpeg: deps.ffmpeg,
    });
    for (const s of this.encoder.streams) this.encoders.set(s.profile, s);
    const crossfadeSamples = Math.round((cfg.switcher.crossfadeMs / 1000) * this.format.sampleRate);
    this.program = new Program({
      format: this.format,
      frameMs: FRAME_MS,
      tickMs: TICK_MS,
      beforeTick: (nowMs) => {
        for (const i of this.inputs) i.poll?.(nowMs);
        this.encoder.drain();
        // State changes become events every ~240 ms, on the tick rather than a timer of their own.
        if (++this.ticks % WATCH_TICKS === 0) this.watch();
      },
      afterTick: () => this.encoder.flush(),
      inputs: this.inputs.map((i) => i.source),
      driver: this.switch,
      history,
      log: deps.log.child({ component: "program" }),
      makeFader: () => new Crossfade(crossfadeSamples),
      onFrame: (pcm) => this.onProgramFrame(pcm),
      onSwitch: (ev) => this.onSwitch(ev),
    });
    this.hls = hlsCfg
      ? new HlsOutput({
          channel: cfg.channel,
          config: hlsCfg,
          streams: hlsCfg.profiles.map((p) => this.encoders.get(p)!),
          timeline: this.program,
          state: deps.state,
          log: deps.log.child({ output: "hls" }),
        })
      : null;
    this.hls?.on("segment", (seg) => (this.hlsBytes += seg.bytes));
    this.icecast = cfg.outputs.icecast.map(
      (ice) =>
        new IcecastOutput({
          config: ice,
          stream: this.encoders.get(ice.profile)!,
          // IcecastOutput adds the { output: id } child itself.
          log: deps.log,
          homepage: ice.homepage,
        }),
    );
  }

  start(): void {
    for (const i of this.inputs) i.start();
    this.encoder.start();
    for (const o of this.icecast) o.start();
    this.program.start();
    this.deps.log.info(
      {
        inputs: this.inputs.map((i) => i.id),
        profiles: [...this.encoders.keys()],
        sampleRate: this.format.sampleRate,
      },
      "channel started",
    );
  }

  private onProgramFrame(pcm: Float32Array): void {
    this.encoder.feed(pcm);
    this.programLevel = measureLevel(pcm);
    this.programMeter.push(pcm);
    const silence = this.deps.config.switcher.silence;
    const nowMs = performance.now();
    if (this.programLevel.rmsDb < silence.thresholdDb) {
      this.programBlankSinceMs ??= nowMs;
      this.programBlank = nowMs - this.programBlankSinceMs >= silence.maxBlankSec * 1000;
    } else {
      this.programBlankSinceMs = null;
      this.programBlank = false;
    }
  }

  private onSwitch(ev: SwitchEvent): void {
    const key = `${ev.from ?? "none"}\u0000${ev.to ?? "none"}\u0000${ev.reason}`;
    this.switchCounts.set(key, (this.switchCounts.get(key) ?? 0) + 1);
    this.deps.log.info({ from: ev.from, to: ev.to, reason: ev.reason, transition: ev.transition }, "switch");
    this.events.emit("switch", ev);
  }

  /** Turns state changes into events (inputs and outputs change off the audio path). */
  private watch(): void {
    for (const i of this.status().inputs) {
      const key = `${i.state}/${i.available}`;
      if (this.lastInputState.get(i.id) !== key) {
        this.lastInputState.set(i.id, key);
        this.events.emit("input", { id: i.id, state: i.state, available: i.available });
      }
    }
    for (const o of this.outputStatuses()) {
      if (this.lastOutputState.get(o.id) !== o.state) {
        this.lastOutputState.set(o.id, o.state);
        this.events.emit("output", { id: o.id, state: o.state });
      }
    }
  }

  on<K extends keyof ChannelEvents>(event: K, fn: ChannelEvents[K]): void {
    this.events.on(event, fn);
  }

  off<K extends keyof ChannelEvents>(event: K, fn: ChannelEvents[K]): void {
    this.events.off(event, fn);
  }

  private inputStatus(input: ChannelInput): InputStatus {
    const m = this.switch.meters.get(input.id)!;
    const link = input.link();
    const state: InputState = link.state;
    return {
      id: input.id,
      kind: input.kind,
      autofallback: input.autofallback,
      state,
      available: m.health.available,
      blank: m.health.blank,
      levelDb: { rms: round1(m.level.rmsDb), peak: round1(m.level.peakDb) },
      lufsMomentary: ChannelSwitch.lufs(m.loudness.momentary),
      lufsShortTerm: ChannelSwitch.lufs(m.loudness.shortTerm),
      bufferMs: Math.round(input.source.bufferMs()),
      driftPpm: input.source.driftPpm(),
      unavailableSec: Math.round(m.health.unavailableMs) / 1000,
      receivedBytes: link.receivedBytes,
      connections: link.connections,
      rejected: link.rejected,
      srt: link.srt ? { ...link.srt, peer: link.peer } : null,
      lastError: link.lastError,
    };
  }

  private outputStatuses(): (OutputStatus & { sentBytes?: number; listeners?: number | null })[] {
    const out: (OutputStatus & { sentBytes?: number; listeners?: number | null })[] = [];
    if (this.hls) out.push({ ...this.hls.status(), sentBytes: this.hlsBytes });
    for (const o of this.icecast) out.push(o.status());
    return out;
  }

  status(): ChannelStatus {
    const hlsProfiles = this.hls?.status().profiles ?? {};
    return {
      channel: this.channel,
      version: VERSION,
      uptimeSec: Math.round((performance.now() - this.startedMs) / 100) / 10,
      active: this.switch.active,
      preferred: this.switch.state.preferred,
      program: {
        blank: this.programBlank,
        levelDb: { rms: round1(this.programLevel.rmsDb), peak: round1(this.programLevel.peakDb) },
        lufsMomentary: ChannelSwitch.lufs(this.programMeter.momentary),
        lufsShortTerm: ChannelSwitch.lufs(this.programMeter.shortTerm),
      },
      metadata: this.metadata,
      inputs: this.inputs.map((i) => this.inputStatus(i)),
      profiles: [...this.encoders.values()].map((e) => ({
        profile: e.profile,
        codec: e.codec,
        bitrate: e.bitrate,
        encoderRestarts: e.restarts,
        hlsSegments: hlsProfiles[e.profile]?.segments ?? 0,
        lastSegmentWallMs: hlsProfiles[e.profile]?.lastSegmentWallMs ?? null,
      })),
      outputs: this.outputStatuses(),
    };
  }

  ready(): { ok: true } | { ok: false; reason: string } {
    if (!this.program.running) return { ok: false, reason: "program clock not running" };
    const hls = this.deps.config.outputs.hls;
    if (!hls || !this.hls) return { ok: true };
    const stats = this.hls.status().profiles;
    const nowMs = Date.now();
    for (const p of hls.profiles) {
      const last = stats[p]?.lastSegmentWallMs ?? null;
      if (last === null) return { ok: false, reason: `no HLS segment yet for profile "${p}"` };
      const ageSec = (nowMs - last) / 1000;
      if (ageSec > 2 * hls.segmentSec)
        return { ok: false, reason: `last HLS segment of profile "${p}" is ${ageSec.toFixed(1)} s old` };
    }
    return { ok: true };
  }

  async requestSwitch(id: string): Promise<SwitchResult> {
    const r = this.switch.request(id);
    if (!r.ok) return { ok: false, code: r.code === "unknown" ? 404 : 409, message: r.reason };
    this.deps.state.set("preferred", id);
    // The switch lands on the next frame due (produced by the next tick, ≤ 60 ms): answer once
    // it is on air, so the status returned names the new input (bounded if the clock stalls).
    for (let waited = 0; r.changed && this.switch.switching && waited < 2000; waited += FRAME_MS)
      await new Promise((res) => setTimeout(res, FRAME_MS));
    return { ok: true, status: this.status() };
  }

  clearPreference(): ChannelStatus {
    this.switch.clear();
    this.deps.state.set("preferred", undefined);
    return this.status();
  }

  setMetadata(meta: { title: string; artist: string }): ChannelStatus {
    this.metadata = meta;
    for (const o of this.icecast) void o.updateMetadata(meta);
    return this.status();
  }

  counters(): ChannelCounters {
    const switches = [...this.switchCounts.entries()].map(([k, count]) => {
      const [from = "", to = "", reason = ""] = k.split("\u0000");
      return { from, to, reason, count };
    });
    const outputs = this.outputStatuses().map((o) => ({
      id: o.id,
      // An Icecast source is "connected" during its handshake, before the server took it.
      up: o.state === "running" || (o.kind !== "icecast" && o.state === "connected"),
      restarts: o.restarts,
      sentBytes: o.sentBytes ?? 0,
      listeners: o.listeners ?? null,
    }));
    return {
      switches,
      outputs,
      hlsPush: this.hls?.status().push?.codes ?? {},
      eventLoopLag: this.program.lag.stats(),
    };
  }

  /** Idempotent. Order: inputs → program → encoders → outputs (the API is closed by its owner first). */
  close(): Promise<void> {
    this.closed ??= (async () => {
      await Promise.all(this.inputs.map((i) => i.close()));
      this.program.stop();
      await this.encoder.close();
      await Promise.all([this.hls?.close(), ...this.icecast.map((o) => o.close())]);
      this.deps.log.info("channel stopped");
    })();
    return this.closed;
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
