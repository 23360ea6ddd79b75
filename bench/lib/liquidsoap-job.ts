/**
 * Liquidsoap 2.1.3 on a bench shape: the shared reference script (../shared/reference/
 * liquidsoap-channel.liq) with only its inputs and its HLS segment duration adapted, written
 * to a temp file (and its mount names, so that channels can share a server); its logic (listener inputs through ffmpeg's srt://, 3 s buffers, priority
 * fallback to blank, blank detection, outputs) is kept as it is.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { until } from "../../test/helpers/proc.js";
import type { Job, JobHealth } from "./job.js";
import { WATCHED, inputLabels, type JobPlan, type Shape } from "./shape.js";
import { referenceFile } from "./reference.js";
import { Spawned } from "./spawned.js";

/** Replaces exactly one occurrence of `from` (a string or a regex) or throws: the reference changed. */
function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const n =
    typeof from === "string"
      ? text.split(from).length - 1
      : (text.match(new RegExp(from.source, `${from.flags}g`)) ?? []).length;
  if (n !== 1) throw new Error(`reference script: expected one ${String(from)}, found ${n}`);
  return text.replace(from, to);
}

/**
 * The reference script for `shape` (pure): N inputs instead of main/backup, the shape's
 * segment duration, and enough scheduler queues for N idle listeners (the reference sizes them
 * for two: "a listener waiting for its caller occupies a scheduler queue").
 */
export function adaptReference(ref: string, shape: Shape, ports: number[], tag: string): string {
  const labels = inputLabels(shape);
  const defs = labels.map((l, i) => `${l} = srt_listener("${l}", ${ports[i]})`).join("\n");
  let s = replaceOnce(ref, /^main\s+= srt_listener\(.*\)\nbackup = srt_listener\(.*\)$/m, defs);
  s = replaceOnce(s, "[main, backup, silence]", `[${labels.join(", ")}, silence]`);
  s = replaceOnce(s, /segment_duration=[\d.]+,/, `segment_duration=${shape.segmentSec.toFixed(1)},`);
  s = replaceOnce(s, /generic_queues\.set\(\d+\)/, `generic_queues.set(${labels.length + 4})`);
  // Its own mounts, so that several channels can share one Icecast server.
  s = replaceOnce(s, 'mount="/radio.aac"', `mount="/${tag}.aac"`);
  s = replaceOnce(s, 'mount="/radio.mp3"', `mount="/${tag}.mp3"`);
  return s;
}

/** Parses the script's event log ("<unix time> <event> <detail>" lines). */
export function parseEvents(text: string): { t: number; what: string; detail: string }[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [t, what = "", detail = ""] = l.split(" ");
      return { t: Number(t) * 1000, what, detail };
    });
}

export async function startLiquidsoap(plan: JobPlan, maxLifetimeMs: number): Promise<Job> {
  const script = join(plan.dir, "channel.liq");
  const hls = join(plan.dir, "hls");
  const events = join(plan.dir, "events.log");
  const logFile = join(plan.dir, "liquidsoap.log");
  mkdirSync(hls, { recursive: true });
  writeFileSync(
    script,
    adaptReference(
      readFileSync(referenceFile("liquidsoap-channel.liq"), "utf8"),
      plan.shape,
      plan.ports,
      plan.tag,
    ),
  );
  writeFileSync(events, "");
  const proc = new Spawned("liquidsoap", [script], {
    logFile,
    cwd: plan.dir,
    maxLifetimeMs,
    env: {
      ...process.env,
      HLS_DIR: hls,
      EVENTS: events,
      MAX_LIFETIME: String(Math.ceil(maxLifetimeMs / 1000)),
      // Without Icecast the outputs retry in the background; port 9 (discard) refuses at once.
      ICE_PORT: String(plan.ice && plan.shape.icecast ? plan.ice.port : 9),
      ICE_PASS: plan.ice?.password ?? "none",
    },
  });
  const log = () => parseEvents(readFileSync(events, "utf8"));
  await until(
    () => {
      if (proc.exited) throw new Error(`liquidsoap exited at start (see ${logFile})`);
      return log().some((e) => e.what === "script_start");
    },
    30_000,
    "Liquidsoap's start",
    100,
  );
  return {
    name: "Liquidsoap",
    pid: proc.pid,
    playlist: join(hls, `aac_${WATCHED}.m3u8`),
    mounts: plan.ice && plan.shape.icecast ? [`/${plan.tag}.aac`, `/${plan.tag}.mp3`] : [],
    onAir: () =>
      Promise.resolve(
        log()
          .filter((e) => e.what === "on_air")
          .at(-1)?.detail ?? null,
      ),
    health: (): Promise<JobHealth> => {
      const ev = log();
      // "We must catchup N seconds!": its clock fell behind real time.
      const catchups = (readFileSync(logFile, "utf8").match(/must catchup/g) ?? []).length;
      return Promise.resolve({
        clockSlips: catchups,
        switches: Math.max(0, ev.filter((e) => e.what === "on_air").length - 1),
      });
    },
    stop: () => proc.stop(),
    get exited() {
      return proc.exited;
    },
  };
}
