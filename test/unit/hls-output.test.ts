import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FakeClock } from "../../src/clock/fake-clock.js";
import type { HlsConfig } from "../../src/config/schema.js";
import { silentLogger } from "../../src/log.js";
import { boundary, gridOf, gridSegment, pdtMsOf, ptsOf } from "../../src/output/hls/epoch-grid.js";
import { HlsOutput, type HlsSegmentEvent } from "../../src/output/hls/hls-output.js";
import { decodePts } from "../../src/output/hls/ts-packets.js";
import type { ProgramHealth } from "../../src/types/index.js";
import { testErrors } from "../helpers/deps.js";
import { run } from "../helpers/proc.js";
import { encodeSine, FeedStream, readTs, tempDir, timelineAt } from "./hls-fixtures.js";

const [LOFI, MIDFI, MP3] = await Promise.all([
  encodeSine("aac", "32k", 12),
  encodeSine("aac", "96k", 12),
  encodeSine("mp3", "128k", 12),
]);
const AAC2 = gridOf(2, 48000, "aac");
const MP32 = gridOf(2, 48000, "mp3");
/** A 2 s grid index of 2026 (even: B(K) is on a 2 s mark). */
const K = 890_000_000;
const B = (k: number) => boundary(AAC2, k);
const wallAt = (pos: number) => pdtMsOf(pos, 48000);

interface Entry {
  sequence: number;
  uri: string;
  extinf: number;
  pdtMs: number;
  gap: boolean;
  discontinuity: boolean;
}
interface Parsed {
  target: number;
  mediaSequence: number;
  discontinuitySequence: number;
  segments: Entry[];
}

function parseMedia(text: string): Parsed {
  const lines = text.trim().split("\n");
  assert.equal(lines[0], "#EXTM3U");
  const num = (tag: string) => Number(lines.find((l) => l.startsWith(tag))?.slice(tag.length));
  const p: Parsed = {
    target: num("#EXT-X-TARGETDURATION:"),
    mediaSequence: num("#EXT-X-MEDIA-SEQUENCE:"),
    discontinuitySequence: num("#EXT-X-DISCONTINUITY-SEQUENCE:"),
    segments: [],
  };
  let cur = { pdt: NaN, extinf: NaN, gap: false, disc: false };
  for (const l of lines) {
    if (l === "#EXT-X-DISCONTINUITY") cur.disc = true;
    else if (l === "#EXT-X-GAP") cur.gap = true;
    else if (l.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) {
      assert.match(l, /:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, "ms precision UTC");
      cur.pdt = Date.parse(l.slice(25));
    } else if (l.startsWith("#EXTINF:")) cur.extinf = parseFloat(l.slice(8));
    else if (!l.startsWith("#")) {
      const sequence = p.mediaSequence + p.segments.length;
      p.segments.push({
        sequence,
        uri: l,
        extinf: cur.extinf,
        pdtMs: cur.pdt,
        gap: cur.gap,
        discontinuity: cur.disc,
      });
      cur = { pdt: NaN, extinf: NaN, gap: false, disc: false };
    }
  }
  return p;
}

const media = (dir: string, profile: string): Parsed =>
  parseMedia(readFileSync(join(dir, `ch_${profile}.m3u8`), "utf8"));

function config(dir: string, profiles: string[], over: Partial<HlsConfig> = {}): HlsConfig {
  return { dir, segmentSec: 2, windowSegments: 10, profiles, push: null, healthAware: false, ...over };
}

const healthy: ProgramHealth = { degraded: () => null, degradedDuring: () => false };

function build(
  dir: string,
  streams: FeedStream[],
  clock: FakeClock,
  over: Partial<HlsConfig> = {},
  health = healthy,
) {
  return new HlsOutput({
    channel: "ch",
    config: config(
      dir,
      streams.map((s) => s.profile),
      over,
    ),
    streams,
    timeline: timelineAt(0),
    health,
    log: silentLogger(),
    clock,
    errors: testErrors(silentLogger(), clock),
  });
}

/** Feeds every frame whose pos lies in [from, to), on the stream's own frame grid. */
function feed(s: FeedStream, from: number, to: number): void {
  s.feed(Math.ceil(from / s.samples), Math.ceil(to / s.samples));
}

/** ffmpeg follows a live playlist forever; a copy with ENDLIST next to it reads it once. */
function ended(file: string): string {
  const copy = file.replace(/\.m3u8$/, ".check.m3u8");
  writeFileSync(copy, readFileSync(file, "utf8") + "#EXT-X-ENDLIST\n");
  return copy;
}

async function decodesCleanly(file: string): Promise<void> {
  const r = await run(
    "ffmpeg",
    ["-v", "error", "-i", file.endsWith(".m3u8") ? ended(file) : file, "-f", "null", "-"],
    { timeoutMs: 60_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "", `${file} decodes without errors`);
}

const firstPts = (file: string): number => {
  const start = readTs(readFileSync(file)).find((p) => p.pid === 0x100 && p.pusi);
  return decodePts(start?.payload ?? Buffer.alloc(14), 9);
};

test("epoch-locked variants: sequence = grid index, name, EXTINF, PDT and PTS from the grid", async () => {
  const dir = tempDir();
  const streams = [
    new FeedStream("lofi", "aac", 32000, LOFI),
    new FeedStream("midfi", "aac", 96000, MIDFI),
    new FeedStream("mp3", "mp3", 128000, MP3),
  ];
  // The run starts 0.3 s into segment K and ends inside K+5: K is partial, K+1..K+4 whole.
  const clock = new FakeClock({ wallMs: wallAt(B(K + 5)) + 500 });
  const out = build(dir, streams, clock);
  const events: HlsSegmentEvent[] = [];
  out.on("segment", (e) => events.push(e));
  for (const s of streams) feed(s, B(K) + 14400, B(K + 5) + 30000);
  await out.idle();

  for (const profile of ["lofi", "midfi", "mp3"]) {
    const p = media(dir, profile);
    const grid = profile === "mp3" ? MP32 : AAC2;
    const codec = profile === "mp3" ? "mp3" : "aac";
    assert.equal(p.mediaSequence, K + 1, `${profile}: the partial first segment is not published`);
    assert.equal(p.discontinuitySequence, 0);
    assert.equal(p.target, 2);
    assert.deepEqual(
      p.segments.map((s) => s.sequence),
      [K + 1, K + 2, K + 3, K + 4],
    );
    for (const s of p.segments) {
      const g = gridSegment(grid, s.sequence);
      assert.equal(s.gap || s.discontinuity, false);
      assert.equal(s.extinf, Number(g.durationSec.toFixed(6)), `${s.uri} EXTINF from the grid`);
      assert.equal(s.pdtMs, g.pdtMs, `${s.uri} PDT = UTC of B(k)`);
      assert.equal(s.uri, `ch_${codec}_${profile}_2_${s.sequence}_${Math.floor(g.pdtMs / 1000)}.ts`);
      assert.equal(firstPts(join(dir, s.uri)), ptsOf(g.startPos, 48000), `${s.uri} first PTS`);
    }
    await decodesCleanly(join(dir, `ch_${profile}.m3u8`));
    // The listed segments back to back are one TS stream: PTS continue exactly across them.
    const joined = join(dir, `joined_${profile}.bin`);
    writeFileSync(joined, Buffer.concat(p.segments.map((x) => readFileSync(join(dir, x.uri)))));
    const probe = await run(
      "ffprobe",
      ["-v", "error", "-f", "mpegts", "-show_entries", "packet=pts", "-of", "json", joined],
      { timeoutMs: 30_000 },
    );
    assert.equal(probe.code, 0, probe.stderr);
    assert.equal(probe.stderr, "", "no continuity complaints across segments");
    const pk = (JSON.parse(probe.stdout.toString()) as { packets: { pts: number }[] }).packets.map(
      (x) => x.pts,
    );
    const step = (grid.f * 90000) / 48000;
    for (let i = 1; i < pk.length; i++)
      assert.equal((pk[i] ?? 0) - (pk[i - 1] ?? 0), step, `${profile} PTS ${i}`);
  }
  const master = readFileSync(join(dir, "ch.m3u8"), "utf8");
  assert.match(master, /^#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n/);
  const st = out.status();
  for (const profile of ["lofi", "midfi", "mp3"]) {
    const ps = st.profiles[profile];
    assert.equal(ps?.segments, 4);
    assert.equal(ps?.partialSegments, 1);
    const bw = new RegExp(`BANDWIDTH=(\\d+),[^\\n]*\\nch_${profile}\\.m3u8`).exec(master);
    assert.ok(Number(bw?.[1]) >= (ps?.peakBandwidth ?? Infinity), `${profile} BANDWIDTH ≥ measured peak`);
  }
  assert.equal(st.state, "running");
  assert.equal(st.health, "ok");
  assert.equal(events.length, 12);
  const ev = events.find((e) => e.profile === "midfi" && e.sequence === K + 2);
  assert.equal(ev?.pos, B(K + 2));
  assert.equal(ev?.pdtMs, gridSegment(AAC2, K + 2).pdtMs);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith(".tmp")),
    [],
  );
  await out.close();
  await out.close(); // idempotent
  assert.equal(out.status().state, "stopped");
  rmSync(dir, { recursive: true, force: true });
});

test("two instances started at different times list identical URI, EXTINF, PDT and first PTS", async () => {
  const [da, db] = [tempDir(), tempDir()];
  const clock = new FakeClock({ wallMs: wallAt(B(K + 9)) });
  const mk = () => [new FeedStream("lofi", "aac", 32000, LOFI), new FeedStream("mp3", "mp3", 128000, MP3)];
  const [sa, sb] = [mk(), mk()];
  const [a, b] = [build(da, sa, clock), build(db, sb, clock)];
  for (const s of sa) feed(s, B(K) + 5000, B(K + 8) + 20000);
  for (const s of sb) feed(s, B(K + 3) + 70000, B(K + 8) + 20000); // started 7.4 s later
  await Promise.all([a.idle(), b.idle()]);
  for (const profile of ["lofi", "mp3"]) {
    const [pa, pb] = [media(da, profile), media(db, profile)];
    const common = pb.segments.filter((s) => pa.segments.some((x) => x.sequence === s.sequence));
    assert.ok(common.length >= 3, `${profile}: ${common.length} sequences in both`);
    for (const s of common) {
      const t = pa.segments.find((x) => x.sequence === s.sequence)!;
      assert.deepEqual([t.uri, t.extinf, t.pdtMs], [s.uri, s.extinf, s.pdtMs], `${profile} ${s.sequence}`);
      assert.equal(firstPts(join(da, t.uri)), firstPts(join(db, s.uri)));
    }
  }
  await Promise.all([a.close(), b.close()]);
  for (const d of [da, db]) rmSync(d, { recursive: true, force: true });
});

test("an encoder restart re-encodes the open segment: no gap, no discontinuity", async () => {
  const dir = tempDir();
  const clock = new FakeClock({ wallMs: wallAt(B(K + 6)) });
  const a = new FeedStream("lofi", "aac", 32000, LOFI);
  const out = build(dir, [a], clock);
  feed(a, B(K), B(K + 2) + 30000);
  const anchor = a.anchor(-1);
  assert.equal(anchor, B(K + 2), "a restarted encoder starts at the open segment");
  a.restart(anchor);
  feed(a, anchor, B(K + 5) + 1);
  await out.idle();
  const m = media(dir, "lofi");
  assert.deepEqual(
    m.segments.map((s) => [s.sequence - K, s.gap, s.discontinuity]),
    [0, 1, 2, 3, 4].map((k) => [k, false, false]),
  );
  assert.equal(out.status().restarts, 1);
  await decodesCleanly(join(dir, "ch_lofi.m3u8"));
  await out.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a timeline jump leaves gaps: listed with EXT-X-GAP and the grid's URI, EXTINF and PDT", async () => {
  const dir = tempDir();
  const clock = new FakeClock({ wallMs: wallAt(B(K + 9)) });
  const a = new FeedStream("lofi", "aac", 32000, LOFI);
  const out = build(dir, [a], clock);
  feed(a, B(K), B(K + 2) + 30000);
  const to = Math.ceil((B(K + 5) + 40000) / 9216) * 9216; // re-anchored 6 s later, on the encoder grid
  a.restart(to);
  feed(a, to, B(K + 8) + 1);
  await out.idle();
  const m = media(dir, "lofi");
  assert.deepEqual(
    m.segments.map((s) => [s.sequence - K, s.gap]),
    [
      [0, false],
      [1, false],
      [2, true], // partial: the jump left it
      [3, true], // never produced
      [4, true],
      [5, true], // partial: the new run started inside it
      [6, false],
      [7, false],
    ],
  );
  for (const s of m.segments) {
    const g = gridSegment(AAC2, s.sequence);
    assert.equal(s.pdtMs, g.pdtMs);
    assert.equal(s.extinf, Number(g.durationSec.toFixed(6)));
    assert.equal(existsSync(join(dir, s.uri)), !s.gap, `${s.uri}: on disk iff not a gap`);
  }
  assert.equal(m.discontinuitySequence, 0);
  assert.ok(m.segments.every((s) => !s.discontinuity));
  await out.close();
  rmSync(dir, { recursive: true, force: true });
});

test("restart without a state file: the window is rebuilt from the names on disk and continues", async () => {
  const dir = tempDir();
  const clock = new FakeClock({ wallMs: wallAt(B(K + 5)) });
  const s1 = new FeedStream("lofi", "aac", 32000, LOFI);
  const out1 = build(dir, [s1], clock, { windowSegments: 6 });
  feed(s1, B(K), B(K + 5) + 1);
  await out1.close();
  assert.deepEqual(
    media(dir, "lofi").segments.map((s) => s.sequence - K),
    [0, 1, 2, 3, 4],
  );
  rmSync(join(dir, "ch_lofi.m3u8")); // a crash may even lose the playlist
  clock.advance(4_000); // down for 4 s: the wall clock is in K+7
  const s2 = new FeedStream("lofi", "aac", 32000, LOFI);
  const out2 = build(dir, [s2], clock, { windowSegments: 6 });
  await out2.idle();
  assert.deepEqual(
    media(dir, "lofi").segments.map((s) => s.sequence - K),
    [0, 1, 2, 3, 4],
    "old window re-listed at start",
  );
  feed(s2, B(K + 7) + 9000, B(K + 10) + 1);
  await out2.idle();
  const m = media(dir, "lofi");
  assert.deepEqual(
    m.segments.map((s) => [s.sequence - K, s.gap]),
    [
      [4, false],
      [5, true],
      [6, true],
      [7, true],
      [8, false],
      [9, false],
    ],
  );
  assert.equal(m.discontinuitySequence, 0, "gaps keep the discontinuity numbering of the peer");
  await out2.close();
  rmSync(dir, { recursive: true, force: true });
});

test("retention: deleted one playlist duration after leaving the playlist, not sooner", async () => {
  const dir = tempDir();
  const clock = new FakeClock({ wallMs: wallAt(B(K + 5)) });
  const s = new FeedStream("lofi", "aac", 32000, LOFI);
  const out = build(dir, [s], clock, { windowSegments: 3 });
  const has = (k: number) => existsSync(join(dir, gridName(k)));
  let next = B(K);
  const upTo = async (k: number) => {
    feed(s, next, B(k + 1) + 1);
    next = B(k + 1) + 1;
    await out.idle();
  };
  await upTo(K + 4); // window [K+2, K+4]; K and K+1 left now
  const left = clock.wallMs();
  assert.ok(has(K) && has(K + 1), "just left the playlist: still on disk");
  clock.advance(5999);
  await upTo(K + 5);
  assert.ok(has(K) && has(K + 1), "5.999 s after leaving: kept (retention = 3 × 2 s)");
  clock.advance(1);
  await upTo(K + 6);
  assert.ok(!has(K) && !has(K + 1), `deleted at ${clock.wallMs() - left} ms`);
  assert.ok(has(K + 2));
  await out.close();
  rmSync(dir, { recursive: true, force: true });
});

function gridName(k: number): string {
  return `ch_aac_lofi_2_${k}_${Math.floor(gridSegment(AAC2, k).pdtMs / 1000)}.ts`;
}

test("at start: old files of ours leave as they age out, files of another config too, temp files go", async () => {
  const dir = tempDir();
  const clock = new FakeClock({ wallMs: wallAt(B(K + 100)) });
  const old = join(dir, gridName(K)); // 200 s ago, a window is 20 s: due now
  const recent = join(dir, gridName(K + 95)); // still in a window ending now: re-listed
  const ahead = join(dir, gridName(K + 150)); // written under a clock that ran ahead
  const otherCfg = join(dir, "ch_aac_gone_4_3_1700000000.ts");
  const foreign = join(dir, "notes.txt");
  const tmp = join(dir, "ch_lofi.m3u8.123.4.tmp");
  for (const f of [old, recent, ahead, otherCfg, foreign, tmp]) writeFileSync(f, "x");
  const hourAgo = (clock.wallMs() - 3_600_000) / 1000;
  for (const f of [otherCfg, foreign]) utimesSync(f, hourAgo, hourAgo);
  const out = build(dir, [new FeedStream("lofi", "aac", 32000, LOFI)], clock);
  await out.idle();
  assert.equal(existsSync(old), false);
  assert.equal(existsSync(otherCfg), false);
  assert.equal(existsSync(tmp), false);
  assert.ok(existsSync(recent));
  assert.ok(existsSync(ahead), "ahead: not listed, deleted one retention from now");
  assert.ok(existsSync(foreign), "not ours");
  assert.deepEqual(
    media(dir, "lofi").segments.map((s) => s.sequence - K),
    [95],
  );
  await out.close();
  rmSync(dir, { recursive: true, force: true });
});

test("disk errors are counted, never thrown into the frame callback; the lost segment is a gap", async () => {
  const root = tempDir();
  const dir = join(root, "hls");
  const clock = new FakeClock({ wallMs: wallAt(B(K + 6)) });
  const s = new FeedStream("lofi", "aac", 32000, LOFI);
  const out = build(dir, [s], clock);
  feed(s, B(K), B(K + 2) + 1);
  await out.idle();
  rmSync(dir, { recursive: true });
  writeFileSync(dir, "not a directory"); // every write now fails with ENOTDIR
  assert.doesNotThrow(() => feed(s, B(K + 2) + 1, B(K + 3) + 1));
  await out.idle();
  const st = out.status();
  assert.ok(st.diskErrors >= 1);
  assert.equal(st.state, "failed");
  assert.match(st.lastError ?? "", /ENOTDIR/);
  rmSync(dir);
  mkdirSync(dir);
  feed(s, B(K + 3) + 1, B(K + 5) + 1);
  await out.idle();
  assert.deepEqual(
    media(dir, "lofi").segments.map((x) => [x.sequence - K, x.gap]),
    [
      [0, false],
      [1, false],
      [2, true],
      [3, false],
      [4, false],
    ],
  );
  assert.equal(out.status().state, "running");
  await out.close();
  rmSync(root, { recursive: true, force: true });
});

test("health-aware: steps aside while degraded or stale, unless the cache accepts degraded", async () => {
  const dir = tempDir();
  const clock = new FakeClock({ wallMs: wallAt(B(K + 3)) });
  let degraded: string | null = null;
  const health: ProgramHealth = { degraded: () => degraded, degradedDuring: () => degraded !== null };
  const s = new FeedStream("lofi", "aac", 32000, LOFI);
  const out = build(dir, [s], clock, { healthAware: true }, health);
  assert.deepEqual(out.ready(), { ok: false, reason: 'no HLS segment yet for profile "lofi"' });
  assert.match(out.gate.playlist(false) ?? "", /no HLS segment yet/);
  assert.equal(out.gate.playlist(true), null, "a cache's last resort is always served");
  feed(s, B(K), B(K + 2) + 1);
  await out.idle();
  assert.deepEqual(out.ready(), { ok: true });
  assert.equal(out.gate.playlist(false), null);
  assert.equal(out.gate.state(), "ok");
  degraded = 'on the safety source "safety"';
  assert.match(out.gate.playlist(false) ?? "", /safety.*peer instance should serve/);
  assert.equal(out.ready().ok, false);
  assert.equal(out.gate.playlist(true), null);
  assert.equal(out.gate.state(), 'degraded: on the safety source "safety"');
  feed(s, B(K + 2) + 1, B(K + 3) + 1); // K+2 is made while degraded
  await out.idle();
  assert.match(
    out.gate.segment(gridName(K + 2), false) ?? "",
    /made while degraded/,
    "the peer's copy is wanted",
  );
  assert.equal(out.gate.segment(gridName(K + 2), true), null);
  assert.equal(out.gate.segment(gridName(K + 1), false), null, "made healthy: served");
  degraded = null;
  clock.advance(4001);
  assert.match(out.gate.playlist(false) ?? "", /4\.0 s old/, "stale playlists step aside too");
  assert.match(out.gate.state(), /^stale: /);
  const plainDir = tempDir();
  const plain = build(
    plainDir,
    [new FeedStream("lofi", "aac", 32000, LOFI)],
    clock,
    {},
    { degraded: () => "blank", degradedDuring: () => true },
  );
  assert.equal(plain.gate.playlist(false), null, "without healthAware playlists are always served");
  await Promise.all([out.close(), plain.close()]);
  for (const d of [dir, plainDir]) rmSync(d, { recursive: true, force: true });
});

test("constructor rejects streams that don't match the configured profiles", () => {
  const dir = tempDir();
  assert.throws(
    () =>
      new HlsOutput({
        channel: "ch",
        config: config(dir, ["hifi"]),
        streams: [new FeedStream("lofi", "aac", 32000, LOFI)],
        timeline: timelineAt(0),
        health: healthy,
        log: silentLogger(),
        clock: new FakeClock(),
        errors: testErrors(),
      }),
    /do not match outputs.hls.profiles \[hifi\]/,
  );
  rmSync(dir, { recursive: true, force: true });
});
