/**
 * Two instances of one channel as separate processes (`node dist/src/cli.js run FILE`), each
 * with its own API port, SRT port and directory, fed by ONE studio: a single ffmpeg encoding a
 * sine to MPEG-TS at its default settings, its tee muxer writing the same TS to one UDP port
 * per instance, and per instance a srt-live-transmit relay calling that instance's SRT
 * listener. Relays are restarted while wanted (an instance killed and started again gets its
 * feed back); stopping an instance's relay is how a test takes the studio away from it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NODE_FLAGS } from "../../src/node-flags.js";
import { freeTcpPort, freeUdpPort } from "./ports.js";
import { Background, sleep, until } from "./proc.js";

const CLI = fileURLToPath(new URL("../../src/cli.js", import.meta.url));

export interface InstanceOptions {
  name: string;
  dir: string;
  yaml: (o: { apiPort: number; srtPort: number; dir: string }) => string;
  maxLifetimeMs: number;
}

/** One daemon: start, kill -9, start again with the same ports and directory. */
export class Instance {
  proc: Background | null = null;
  apiPort = 0;
  srtPort = 0;
  private file = "";

  constructor(private readonly o: InstanceOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  get hlsDir(): string {
    return join(this.o.dir, "hls");
  }

  async prepare(): Promise<void> {
    mkdirSync(this.o.dir, { recursive: true });
    this.apiPort = await freeTcpPort();
    this.srtPort = await freeUdpPort();
    this.file = join(this.o.dir, "channel.yaml");
    writeFileSync(this.file, this.o.yaml({ apiPort: this.apiPort, srtPort: this.srtPort, dir: this.o.dir }));
  }

  /** The daemon's last log lines (JSON), for a failing test's message. */
  logs = "";

  async start(): Promise<void> {
    this.proc = new Background(
      process.execPath,
      [...NODE_FLAGS, CLI, "run", this.file],
      this.o.maxLifetimeMs,
    );
    this.proc.child.stdout?.on("data", (b: Buffer) => {
      this.logs = (this.logs + b.toString()).slice(-100_000);
    });
    await until(
      async () => {
        if (this.proc?.child.exitCode !== null)
          throw new Error(`${this.o.name} exited: ${this.proc?.stderr}`);
        return fetch(`${this.url}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
      },
      15_000,
      `${this.o.name} to answer /healthz`,
    );
  }

  async kill9(): Promise<void> {
    await this.proc?.stop("SIGKILL");
  }

  async stop(): Promise<void> {
    await this.proc?.stop("SIGTERM");
  }
}

/** A srt-live-transmit relay from a UDP port to an SRT listener, restarted while wanted. */
export class Relay {
  private proc: Background | null = null;
  private wanted = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly udpPort: number,
    private readonly srtPort: () => number,
    private readonly maxLifetimeMs: number,
  ) {}

  start(): void {
    this.wanted = true;
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.wanted = false;
    await this.proc?.stop("SIGKILL");
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    while (this.wanted) {
      this.proc = new Background(
        "srt-live-transmit",
        [
          "-q",
          `udp://127.0.0.1:${this.udpPort}`,
          `srt://127.0.0.1:${this.srtPort()}?mode=caller&latency=120`,
        ],
        this.maxLifetimeMs,
      );
      await this.proc.wait();
      if (this.wanted) await sleep(300);
    }
  }
}

/**
 * The studio: one ffmpeg, one AAC encode, the same MPEG-TS to every UDP port. Left: a steady
 * sine (what a listener hears is judged on it, 10 ms at a time); right: seeded pink noise (its
 * cross-correlation between two recordings gives their offset without a sine's ambiguity).
 * UDP datagrams of 7 TS packets (1316 bytes) are what ffmpeg's own SRT output sends, and fit
 * SRT's live payload.
 */
export class Studio {
  readonly proc: Background;

  private constructor(
    readonly udpPorts: number[],
    readonly freq: number,
    maxLifetimeMs: number,
  ) {
    const tee = udpPorts.map((p) => `[f=mpegts]udp://127.0.0.1:${p}?pkt_size=1316`).join("|");
    this.proc = new Background(
      "ffmpeg",
      [
        ...["-hide_banner", "-loglevel", "error", "-re"],
        ...["-f", "lavfi", "-i", `sine=f=${freq}:sample_rate=48000`],
        ...["-f", "lavfi", "-i", "anoisesrc=color=pink:seed=7:amplitude=0.25:sample_rate=48000"],
        ...["-filter_complex", "[0:a][1:a]join=inputs=2:channel_layout=stereo[a]", "-map", "[a]"],
        ...["-c:a", "aac", "-b:a", "128k", "-f", "tee", tee],
      ],
      maxLifetimeMs,
    );
  }

  static async start(count: number, freq: number, maxLifetimeMs: number): Promise<Studio> {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await freeUdpPort());
    return new Studio(ports, freq, maxLifetimeMs);
  }

  stop(): Promise<void> {
    return this.proc.stop("SIGKILL");
  }
}
