/**
 * Runs antenne's CLI under V8's sampling heap profiler, counting every allocation, also those a
 * scavenge or a major GC has already collected (what drives the GC's cost, not what stays):
 *   node dist/bench/lib/alloc-sampler.js run channel.yaml
 * env ANTENNE_ALLOC_PROFILE=<file>, ANTENNE_ALLOC_FROM_S / ANTENNE_ALLOC_SECONDS: the window.
 * The profile (a .heapprofile JSON) is written once the window ends. Bench tooling only.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";

const out = process.env.ANTENNE_ALLOC_PROFILE ?? "alloc.heapprofile";
const fromS = Number(process.env.ANTENNE_ALLOC_FROM_S ?? 20);
const seconds = Number(process.env.ANTENNE_ALLOC_SECONDS ?? 30);
const session = new Session();
session.connect();
const post = (method: string, params: object = {}) =>
  new Promise<unknown>((resolve, reject) =>
    session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))),
  );

setTimeout(() => {
  void (async () => {
    await post("HeapProfiler.startSampling", {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    setTimeout(() => {
      void post("HeapProfiler.stopSampling").then((r) => {
        writeFileSync(out, JSON.stringify((r as { profile: unknown }).profile));
        console.error(`allocation profile written to ${out}`);
      });
    }, seconds * 1000).unref();
  })();
}, fromS * 1000).unref();

// process.argv[1] is this file: the CLI reads argv from index 2, as when run directly.
await import("../../src/cli.js");
