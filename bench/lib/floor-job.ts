/**
 * The plain-ffmpeg floor: ONE ffmpeg doing the job's five encodes (HLS AAC 32k/96k/192k,
 * Icecast AAC 192k and MP3 128k) from the first sender, decoded once. It listens for every fed
 * sender (they connect and send as for the others), but maps only the first: no switching, no
 * standby decoding, no metering. It cannot wait for idle inputs (ffmpeg opens its inputs one
 * after another and blocks on each listener), so unfed inputs are left out.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Job } from "./job.js";
import { LADDER, WATCHED, type JobPlan } from "./shape.js";
import { Spawned } from "./spawned.js";

/** The floor's ffmpeg arguments (pure). */
export function floorArgs(plan: JobPlan, hlsDir: string): string[] {
  const args = ["-hide_banner", "-loglevel", "error", "-nostdin"];
  for (let i = 0; i < plan.shape.fed; i++) args.push("-i", `srt://127.0.0.1:${plan.ports[i]}?mode=listener`);
  for (const p of LADDER) {
    args.push(
      "-map",
      "0:a",
      "-c:a",
      "aac",
      "-b:a",
      p.bitrate,
      "-f",
      "hls",
      "-hls_time",
      String(plan.shape.segmentSec),
    );
    args.push("-hls_list_size", "5", "-hls_flags", "delete_segments");
    args.push("-hls_segment_filename", join(hlsDir, `${p.name}_%d.ts`), join(hlsDir, `${p.name}.m3u8`));
  }
  if (plan.ice && plan.shape.icecast) {
    args.push("-map", "0:a", "-c:a", "aac", "-b:a", "192k", "-f", "adts", "-content_type", "audio/aac");
    args.push(icecastUrl(plan, `${plan.tag}.aac`));
    args.push(
      "-map",
      "0:a",
      "-c:a",
      "libmp3lame",
      "-b:a",
      "128k",
      "-f",
      "mp3",
      "-content_type",
      "audio/mpeg",
    );
    args.push(icecastUrl(plan, `${plan.tag}.mp3`));
  }
  return args;
}

const icecastUrl = (plan: JobPlan, mount: string) => plan.ice!.sourceUrl(mount).replace(/^http:/, "icecast:");

export function startFloor(plan: JobPlan, maxLifetimeMs: number): Promise<Job> {
  const hls = join(plan.dir, "hls");
  mkdirSync(hls, { recursive: true });
  const proc = new Spawned("ffmpeg", floorArgs(plan, hls), {
    logFile: join(plan.dir, "ffmpeg.log"),
    cwd: plan.dir,
    maxLifetimeMs,
  });
  return Promise.resolve({
    name: "ffmpeg floor",
    pid: proc.pid,
    playlist: join(hls, `${WATCHED}.m3u8`),
    mounts: plan.ice && plan.shape.icecast ? [`/${plan.tag}.aac`, `/${plan.tag}.mp3`] : [],
    onAir: () => Promise.resolve(null),
    health: () => Promise.resolve({}),
    stop: () => proc.stop(),
    get exited() {
      return proc.exited;
    },
  });
}
