/**
 * A stripped-down daemon for bench/daemon-stages.ts, run as its own process with the daemon's
 * node flags. It keeps the daemon's program tick (60 ms, the shared ticker) and, by stage, the
 * SPEC job's SRT inputs, with the daemon's own classes:
 *   tick     the tick alone: what node costs with nothing to do (timers, V8's threads);
 *   receive  + one polled SRT listener input per port (libsrt through koffi, the driven reactor),
 *            read on the tick and dropped;
 *   decode   + each input's bytes demuxed and decoded to program PCM in-process, dropped.
 * The full daemon adds the timelines, switching, meters, the encoder feed, HLS and Icecast.
 *
 *   node --max-semi-space-size=1 dist/bench/lib/stage-main.js STAGE PORT…
 *
 * It prints "ready" once listening; on SIGTERM (or after 15 minutes) it prints what it received
 * and decoded, and exits.
 */
import { TICK_MS } from "../../src/channel/tick.js";
import { systemClock } from "../../src/clock/clock.js";
import type { SrtOptions } from "../../src/config/schema.js";
import { SniffingDecoder } from "../../src/input/stream/sniffing-decoder.js";
import { SrtInput } from "../../src/input/srt/srt-input.js";
import { silentLogger } from "../../src/log.js";
import { createRuntime } from "../../src/runtime.js";
import type { AudioFormat } from "../../src/types/index.js";
import { testErrors } from "../../test/helpers/deps.js";

const STAGES = ["tick", "receive", "decode"] as const;
type Stage = (typeof STAGES)[number];
const FORMAT: AudioFormat = { sampleRate: 44100, channels: 2 };

function main(stage: Stage, ports: number[]): void {
  const log = silentLogger();
  const runtime = createRuntime(systemClock, log, { srtDriven: true });
  const inputs: SrtInput[] = [];
  const decoders: (SniffingDecoder | null)[] = [];
  let samples = 0;
  let bytes = 0;
  if (stage !== "tick") {
    ports.forEach((port, i) => {
      decoders.push(null);
      const decode = (chunk: Buffer) => {
        const d = (decoders[i] ??= new SniffingDecoder({
          name: `decoder:${i}`,
          format: FORMAT,
          runtime,
          log,
          sink: {
            audio: (_t, pcm) => void (samples += pcm.length),
            discontinuity: () => undefined,
            arrivalPos: () => 0,
            problem: () => undefined,
          },
        }));
        d.push(chunk);
      };
      const input = new SrtInput({
        id: `in${i}`,
        srt: {
          mode: "listener",
          bind: `127.0.0.1:${port}`,
          latencyMs: 200,
          passphrase: "",
          pbKeyLen: 0,
          streamId: null,
        } as SrtOptions,
        starvationMs: 300,
        log,
        polled: true,
        reactor: runtime.srtReactor(),
        clock: systemClock,
        errors: testErrors(),
        onData: (chunk: Buffer) => {
          bytes += chunk.length;
          if (stage === "decode") decode(chunk);
        },
      });
      input.start();
      inputs.push(input);
    });
  }
  const stop = systemClock.ticker(TICK_MS).ride((at) => {
    for (const input of inputs) input.poll(at);
    for (const d of decoders) d?.poll();
  });
  const end = () => {
    stop();
    process.stdout.write(`received ${bytes} bytes, decoded ${samples} samples\n`);
    void Promise.all(inputs.map((i) => i.close())).then(() => process.exit(0));
  };
  process.once("SIGTERM", end);
  setTimeout(end, 15 * 60_000).unref();
  process.stdout.write("ready\n");
}

const [stage, ...ports] = process.argv.slice(2);
if (!STAGES.includes(stage as Stage)) {
  process.stderr.write(`usage: stage-main.js ${STAGES.join("|")} PORT…\n`);
  process.exit(2);
}
main(stage as Stage, ports.map(Number));
