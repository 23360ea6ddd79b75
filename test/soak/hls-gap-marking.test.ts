/**
 * How players take the two ways of marking segments an instance could not produce (a restart,
 * a re-anchoring): measured, not assumed (docs/redundancy.md, "Gaps").
 *
 * A live stream of real AAC segments (ffmpeg-encoded sine, our muxer, epoch positions and
 * names) is served from a loopback HTTP server that lists each segment once its end has passed
 * on the wall clock. Two of them are missing (4 s):
 * - GAP: they stay listed, tagged EXT-X-GAP (their URIs answer 404), the window is unbroken;
 * - DISCONTINUITY: a playlist cannot skip a sequence, so the window restarts after them, the
 *   first new segment tagged EXT-X-DISCONTINUITY (the only other way RFC 8216 allows).
 * ffmpeg 5.1 and hls.js (headless Chromium) play each at their defaults; the test prints what
 * each heard (audio decoded, longest silence, disturbed 10 ms windows, errors) and asserts that
 * the marking antenne uses (GAP) keeps both playing past the gap without a fatal error.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { systemClock } from "../../src/clock/clock.js";
import { boundary, gridOf, gridSegment, indexOf, posOfMs } from "../../src/output/hls/epoch-grid.js";
import { renderMediaPlaylist, segmentName, type PlaylistEntry } from "../../src/output/hls/playlists.js";
import { TsMuxer } from "../../src/output/hls/ts-muxer.js";
import type { EncodedFrame } from "../../src/types/index.js";
import { CHROMIUM, HlsJsClient } from "../helpers/hls-browser.js";
import { FfmpegHlsClient } from "../helpers/hls-ffmpeg-client.js";
import { sleep } from "../helpers/proc.js";
import { disturbedWindows } from "../helpers/tone-glitches.js";
import { longestSilence } from "../helpers/audio.js";
import { encodeSine } from "../unit/hls-fixtures.js";

const RATE = 48000;
const GRID = gridOf(2, RATE, "aac");
const WINDOW = 6;
const skipBrowser = existsSync(CHROMIUM) ? false : `${CHROMIUM} not installed`;
type Marking = "gap" | "discontinuity";

interface Live {
  url: string;
  close(): Promise<void>;
}

/** Serves segments k0 … k0+n−1 live, without `missing`, marked one way. */
async function serveLive(
  segments: Map<number, Buffer>,
  k0: number,
  n: number,
  missing: Set<number>,
  how: Marking,
): Promise<Live> {
  const name = (k: number) =>
    segmentName({
      channel: "gap",
      codec: "aac",
      profile: "a",
      segmentSec: 2,
      sequence: k,
      pdtMs: gridSegment(GRID, k).pdtMs,
    });
  // The sequences a DISCONTINUITY tag goes before: the first one after each hole.
  const tagged = [...segments.keys()].filter((k) => missing.has(k - 1) && !missing.has(k) && k - 1 >= k0);
  const playlist = (): string => {
    // Segment k is listed once its last sample has passed (plus 200 ms of "encoding").
    const nowK = indexOf(GRID, posOfMs(systemClock.wallMs() - 200, RATE));
    // A server lists what it has: a missing newest segment is not announced until one follows.
    let last = Math.min(nowK - 1, k0 + n - 1);
    while (missing.has(last)) last--;
    let start = Math.max(k0, last - WINDOW + 1);
    if (how === "discontinuity") {
      for (let k = start; k <= last; k++) if (missing.has(k)) start = k + 1;
    } else {
      while (missing.has(start) && start < last) start++;
    }
    const entries: PlaylistEntry[] = [];
    for (let k = start; k <= last; k++) {
      const g = gridSegment(GRID, k);
      const discontinuity = how === "discontinuity" && tagged.includes(k);
      entries.push({
        sequence: k,
        uri: name(k),
        durationSec: g.durationSec,
        pdtMs: g.pdtMs,
        discontinuity,
        gap: missing.has(k),
      });
    }
    const discontinuitySequence = tagged.filter((t) => how === "discontinuity" && t < start).length;
    const text = renderMediaPlaylist({ targetDuration: 2, discontinuitySequence, entries });
    return last === k0 + n - 1 ? text + "#EXT-X-ENDLIST\n" : text;
  };
  const byName = new Map([...segments].map(([k, b]) => [name(k), b]));
  const server = http.createServer((req, res) => {
    const file = (req.url ?? "").split("/").pop() ?? "";
    const headers = { "access-control-allow-origin": "*" };
    if (file.endsWith(".m3u8")) {
      res.writeHead(200, {
        ...headers,
        "content-type": "application/vnd.apple.mpegurl",
        "cache-control": "max-age=1",
      });
      res.end(playlist());
      return;
    }
    const seg = byName.get(file);
    const k = Number(file.split("_")[4]);
    if (!seg || missing.has(k)) {
      res.writeHead(404, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, "content-type": "video/mp2t" }).end(seg);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/gap_a.m3u8`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

interface Heard {
  marking: Marking;
  client: string;
  seconds: number;
  longestSilenceMs: number;
  disturbed: number;
  errors: string[];
  fatal: boolean;
}

function judge(marking: Marking, client: string, pcm: Float32Array, errors: string[], fatal: boolean): Heard {
  const body = pcm.subarray(0, Math.max(0, pcm.length - RATE / 2));
  return {
    marking,
    client,
    seconds: Number((pcm.length / RATE).toFixed(2)),
    longestSilenceMs: Math.round((longestSilence(body, 1e-3) / RATE) * 1000),
    disturbed: disturbedWindows(body, { rate: RATE, freq: 1000 }).disturbed,
    errors,
    fatal,
  };
}

const N = 14;
const MARKINGS = ["gap", "discontinuity"] as const;

/** A live stream starting now: segment k0 ends 2 s from now, 4 before it are there already. */
async function startLive(frames: Buffer[], how: Marking): Promise<Live & { endMs: number }> {
  const k0 = indexOf(GRID, posOfMs(systemClock.wallMs(), RATE)) - 4;
  const mux = new TsMuxer({ codec: "aac", sampleRate: RATE });
  const segments = new Map<number, Buffer>();
  let i = 0;
  for (let k = k0; k < k0 + N; k++) {
    const own: EncodedFrame[] = [];
    for (let pos = boundary(GRID, k); pos < boundary(GRID, k + 1); pos += 1024) {
      own.push({ data: frames[i++ % frames.length]!, pos, samples: 1024 });
    }
    segments.set(k, mux.muxSegment(own, k));
  }
  const live = await serveLive(segments, k0, N, new Set([k0 + 7, k0 + 8]), how);
  return { ...live, endMs: gridSegment(GRID, k0 + N).pdtMs };
}

describe("gap marking: EXT-X-GAP or a discontinuity, as players hear them", { timeout: 240_000 }, () => {
  let frames: Buffer[] = [];
  const results: Heard[] = [];

  before(async () => {
    frames = await encodeSine("aac", "128k", 2 * N + 4);
  });

  after(() => {
    console.log("# marking        client  decoded s  longest silence ms  disturbed 10 ms  errors");
    for (const r of results)
      console.log(
        `# ${r.marking.padEnd(14)} ${r.client.padEnd(7)} ${String(r.seconds).padStart(9)}  ${String(r.longestSilenceMs).padStart(18)}  ${String(r.disturbed).padStart(15)}  ${r.fatal ? "FATAL " : ""}${r.errors.join("; ")}`,
      );
  });

  test("ffmpeg", async () => {
    const lives = await Promise.all(MARKINGS.map((m) => startLive(frames, m)));
    const clients = lives.map((l) => new FfmpegHlsClient(l.url, 60_000, "mix"));
    await Promise.all(clients.map((c) => c.proc.wait()));
    MARKINGS.forEach((m, i) => {
      const c = clients[i]!;
      results.push(
        judge(m, "ffmpeg", c.pcm(), c.complaints(), c.proc.child.exitCode !== 0 && c.seconds < 10),
      );
    });
    await Promise.all(lives.map((l) => l.close()));
    const gap = results.find((r) => r.marking === "gap" && r.client === "ffmpeg")!;
    // It starts 3 segments back and plays to the end: every segment except the two missing.
    assert.ok(gap.seconds >= 2 * (N - 4 - 2) - 1, `ffmpeg played past the gap: ${gap.seconds} s`);
  });

  // One browser at a time: two headless Chromiums at once starve each other's audio rendering.
  for (const m of MARKINGS) {
    test(`hls.js, ${m}`, { skip: skipBrowser }, async () => {
      const live = await startLive(frames, m);
      const c = await HlsJsClient.open(live.url);
      try {
        while (systemClock.wallMs() < live.endMs + 8000) {
          await c.pull();
          await sleep(500);
        }
      } finally {
        await c.close();
        await live.close();
      }
      const errors = c.errors().map((e) => `${e.details}${e.fatal ? " (fatal)" : ""}`);
      const heard = judge(
        m,
        "hls.js",
        c.pcm(),
        errors,
        c.errors().some((e) => e.fatal),
      );
      results.push(heard);
      assert.equal(heard.fatal, false, `hls.js goes on over the ${m}`);
      assert.ok(heard.seconds >= 2 * (N - 4 - 2) - 2, `hls.js played past the ${m}: ${heard.seconds} s`);
    });
  }
});
