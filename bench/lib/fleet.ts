/**
 * N channels of one job kind on one machine, as ops run them (one process tree per channel),
 * each with its own stock senders, all on one icecast2; each channel's watched playlist is
 * polled and its newly listed segments copied for the content checks.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeUdpPort } from "../../test/helpers/ports.js";
import type { BenchIcecast } from "./icecast.js";
import type { Job } from "./job.js";
import { startJob, type JobKind } from "./jobs.js";
import { PlaylistWatch } from "./playlist-watch.js";
import { Sender, type SenderCodec } from "./senders.js";
import { senderCodec, type JobPlan, type Shape } from "./shape.js";

export interface Channel {
  job: Job;
  plan: JobPlan;
  senders: Sender[];
  watch: PlaylistWatch;
}

/**
 * Starts `n` channels one after another into `out` (so that the caller can stop those started
 * if a later one fails), senders included.
 */
export async function startFleet(
  out: Channel[],
  opts: {
    kind: JobKind;
    n: number;
    shape: Shape;
    ice: BenchIcecast;
    files: Record<SenderCodec, string>;
    lifetimeMs: number;
    step: number;
  },
): Promise<void> {
  for (let i = 0; i < opts.n; i++) {
    const dir = mkdtempSync(join(tmpdir(), `antenne-bench-density-${opts.kind}-`));
    const ports = await Promise.all(Array.from({ length: opts.shape.inputs }, () => freeUdpPort()));
    const plan: JobPlan = {
      shape: opts.shape,
      ports,
      dir,
      tag: `d${opts.step}-${opts.kind}-${i}`,
      ice: opts.ice,
    };
    let job: Job;
    try {
      job = await startJob(opts.kind, plan, opts.lifetimeMs);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    const senders = Array.from(
      { length: opts.shape.fed },
      (_, k) => new Sender(opts.files[senderCodec(k)], ports[k]!, opts.lifetimeMs),
    );
    const copies = join(dir, "copies");
    mkdirSync(copies);
    out.push({ job, plan, senders, watch: new PlaylistWatch(job.playlist, 250, copies).start() });
  }
}

export async function stopFleet(channels: Channel[]): Promise<void> {
  await Promise.all(
    channels.map(async (c) => {
      c.watch.stop();
      await c.job.stop();
      await Promise.all(c.senders.map((s) => s.stop()));
      rmSync(c.plan.dir, { recursive: true, force: true });
    }),
  );
}
