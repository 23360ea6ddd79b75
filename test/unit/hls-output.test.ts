import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HlsConfig } from "../../src/config/schema.js";
import { silentLogger } from "../../src/log.js";
import { HlsOutput, type HlsSegmentEvent } from "../../src/output/hls/hls-output.js";
import { segmentBoundary } from "../../src/output/hls/segmenter.js";
import { encodeSine, FeedStream, MemoryState, readTs, run, tempDir, timelineAt } from "./hls-fixtures.js";
import { componentDeps } from "../helpers/deps.js";

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0, 0);
const [LOFI, MIDFI, MP3] = await Promise.all([
  encodeSine("aac", "32k", 12),
  encodeSine("aac", "96k", 12),
  encodeSine("mp3", "128k", 12),
]);

interface Parsed {
  target: number;
  mediaSequence: number;
  discontinuitySequence: number;
  segments: { sequence: number; uri: string; extinf: number; pdtMs: number | null; discontinuity: boolean }[];
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
  let pdt: number | null = null;
  let disc = false;
  let extinf = NaN;
  for (const l of lines) {
    if (l === "#EXT-X-DISCONTINUITY") disc = true;
    else if (l.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) {
      assert.match(l, /:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, "ms precision UTC");
      pdt = Date.parse(l.slice(25));
    } else if (l.startsWith("#EXTINF:")) {
      assert.match(l, /^#EXTINF:\d+\.\d{3,},$/);
      extinf = parseFloat(l.slice(8));
    } else if (!l.startsWith("#")) {
      p.segments.push({
        sequence: p.mediaSequence + p.segments.length,
        uri: l,
        extinf,
        pdtMs: pdt,
        discontinuity: disc,
      });
      pdt = null;
      disc = false;
    }
  }
  return p;
}

function media(dir: string, profile: string, channel = "ch"): Parsed {
  return parseMedia(readFileSync(join(dir, `${channel}_${profile}.m3u8`), "utf8"));
}

function config(dir: string, profiles: string[], over: Partial<HlsConfig> = {}): HlsConfig {
  return { dir, segmentSec: 2, windowSegments: 10, profiles, push: null, ...over };
}

function build(
  dir: string,
  streams: FeedStream[],
  o: Partial<ConstructorParameters<typeof HlsOutput>[0]> = {},
) {
  return new HlsOutput({
    channel: "ch",
    config: config(
      dir,
      streams.map((s) => s.profile),
    ),
    streams,
    timeline: timelineAt(T0),
    state: new MemoryState(),
    log: silentLogger(),
    ...componentDeps(),
    now: () => T0 + 60_000,
    ...o,
  });
}

/**
 * ffmpeg follows a live playlist forever; a copy with ENDLIST (next to it, so the
 * relative URIs resolve) lets it read the window once and stop.
 */
function ended(file: string): string {
  if (!file.endsWith(".m3u8")) return file;
  const copy = file.replace(/\.m3u8$/, ".check.m3u8");
  writeFileSync(copy, readFileSync(file, "utf8") + "#EXT-X-ENDLIST\n");
  return copy;
}

/** PAT then PMT open every segment; CC continue across the segments listed, for every PID. */
function checkTsStructure(dir: string, p: Parsed): void {
  const last = new Map<number, number>();
  for (const s of p.segments) {
    const pk = readTs(readFileSync(join(dir, s.uri)));
    assert.equal(pk[0]?.pid, 0, `${s.uri}: PAT first`);
    assert.equal(pk[1]?.pid, 0x1000, `${s.uri}: PMT second`);
    for (const x of pk) {
      const prev = last.get(x.pid);
      if (prev !== undefined && !s.discontinuity)
        assert.equal(x.cc, (prev + 1) & 15, `${s.uri} pid ${x.pid} CC`);
      last.set(x.pid, x.cc);
    }
  }
}

async function decodesCleanly(file: string): Promise<void> {
  const r = await run("ffmpeg", ["-v", "error", "-i", ended(file), "-f", "null", "-"], 60_000);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "", `${file} decodes without errors`);
}

test("three variants: decodable, aligned, continuous PTS and CC, PDT on every segment, atomic files", async () => {
  const dir = tempDir();
  const streams = [
    new FeedStream("lofi", "aac", 32000, LOFI),
    new FeedStream("midfi", "aac", 96000, MIDFI),
    new FeedStream("mp3", "mp3", 128000, MP3),
  ];
  const state = new MemoryState();
  const out = build(dir, streams, { state });
  const events: HlsSegmentEvent[] = [];
  out.on("segment", (e) => events.push(e));
  // 12 s: AAC frames 0..561 and MP3 frames 0..499 close segments 0-4; segment 5 stays open.
  for (const s of streams) s.feed(0, s.codec === "aac" ? 562 : 500);
  await out.idle();

  const lists = Object.fromEntries(["lofi", "midfi", "mp3"].map((p) => [p, media(dir, p)]));
  const lofi = lists.lofi as Parsed;
  const midfi = lists.midfi as Parsed;
  assert.equal(lofi.segments.length, 5, "12 s in 2 s segments: 5 closed, the 6th still open");
  assert.deepEqual(
    lofi.segments.map((s) => [s.sequence, s.extinf, s.pdtMs]),
    midfi.segments.map((s) => [s.sequence, s.extinf, s.pdtMs]),
    "AAC variants aligned",
  );
  for (const [profile, p] of Object.entries(lists)) {
    assert.equal(p.mediaSequence, 0);
    assert.equal(p.discontinuitySequence, 0);
    assert.equal(p.target, 2);
    const f = profile === "mp3" ? 1152 : 1024;
    let prevPdt = -Infinity;
    for (const s of p.segments) {
      assert.ok(Math.round(s.extinf) <= p.target, `${s.uri} EXTINF ${s.extinf}`);
      assert.equal(s.discontinuity, false);
      assert.notEqual(s.pdtMs, null, `${s.uri} has a PDT`);
      const pdt = s.pdtMs ?? 0;
      assert.ok(pdt > prevPdt, "PDT increases");
      prevPdt = pdt;
      assert.equal(pdt, Math.round(T0 + (segmentBoundary(s.sequence, 96000, f) * 1000) / 48000));
      assert.equal(
        s.uri,
        `ch_${profile === "mp3" ? "mp3" : "aac"}_${profile}_2_${s.sequence}_${Math.floor(pdt / 1000)}.ts`,
      );
    }
    checkTsStructure(dir, p);
    await decodesCleanly(join(dir, `ch_${profile}.m3u8`));
    // The listed segments back to back form one TS stream: probing it shows PTS across
    // segment boundaries exactly (ffmpeg's HLS demuxer re-times the first frames it probes).
    const joined = join(dir, `joined_${profile}.bin`);
    writeFileSync(joined, Buffer.concat(p.segments.map((x) => readFileSync(join(dir, x.uri)))));
    const probe = await run("ffprobe", [
      ...["-v", "error", "-f", "mpegts", "-show_entries", "packet=pts,duration", "-of", "json", joined],
    ]);
    assert.equal(probe.code, 0, probe.stderr);
    const pk = (JSON.parse(probe.stdout.toString()) as { packets: { pts: number }[] }).packets.map(
      (x) => x.pts,
    );
    const step = (f * 90000) / 48000;
    assert.equal(pk.length, profile === "mp3" ? 417 : 469, `${profile}: every frame of the 5 segments`);
    assert.equal(pk[0], 126_000);
    for (let i = 1; i < pk.length; i++)
      assert.equal((pk[i] ?? 0) - (pk[i - 1] ?? 0), step, `${profile} PTS ${i}`);
    await decodesCleanly(join(dir, p.segments[2]?.uri ?? ""));
  }

  const master = readFileSync(join(dir, "ch.m3u8"), "utf8");
  assert.match(master, /^#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n/);
  const st = out.status();
  for (const [profile, codecs] of [
    ["lofi", "mp4a.40.2"],
    ["midfi", "mp4a.40.2"],
    ["mp3", "mp4a.40.34"],
  ] as const) {
    const m = new RegExp(
      `BANDWIDTH=(\\d+),AVERAGE-BANDWIDTH=(\\d+),CODECS="${codecs.replace(/\./g, "\\.")}"\\nch_${profile}\\.m3u8`,
    ).exec(master);
    assert.ok(m, `${profile} in master`);
    const ps = st.profiles[profile];
    assert.ok(ps && ps.peakBandwidth > 0);
    assert.ok(
      Number(m[1]) >= ps.peakBandwidth,
      `${profile} BANDWIDTH ${m[1]} ≥ measured peak ${ps.peakBandwidth}`,
    );
    assert.equal(ps.segments, 5);
    assert.equal(ps.lastSegmentWallMs, T0 + 60_000);
  }
  assert.equal(st.id, "hls");
  assert.equal(st.state, "running");
  assert.equal(st.diskErrors, 0);
  assert.equal(events.length, 15);
  const ev = events.find((e) => e.profile === "midfi" && e.sequence === 1);
  assert.deepEqual(ev && { ...ev, bytes: ev.bytes > 0 }, {
    profile: "midfi",
    sequence: 1,
    path: join(dir, midfi.segments[1]?.uri ?? ""),
    pos: 94 * 1024,
    durationSec: (94 * 1024) / 48000,
    pdtMs: T0 + (94 * 1024 * 1000) / 48000,
    bytes: true,
  });
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.endsWith(".tmp")),
    [],
    "no temp files left",
  );
  assert.equal((state.get("hls") as { nextSequence: number }).nextSequence, 5);
  await out.close();
  await out.close(); // idempotent
  assert.equal(out.status().state, "stopped");
  rmSync(dir, { recursive: true, force: true });
});

test("an encoder restart marks a discontinuity at the same sequence in every variant", async () => {
  const dir = tempDir();
  const a = new FeedStream("lofi", "aac", 32000, LOFI);
  const b = new FeedStream("midfi", "aac", 96000, MIDFI);
  const out = build(dir, [a, b]);
  a.feed(0, 250);
  b.feed(0, 250);
  assert.equal(a.anchor(-1), 188 * 1024, "a restarted encoder re-encodes the open segment");
  a.restart(a.anchor(-1));
  a.feed(188, 400);
  b.feed(250, 300);
  // b restarts inside segment 3 while a already closed it: the tag moves to 4 for both.
  assert.equal(b.anchor(-1), 282 * 1024);
  b.restart(b.anchor(-1));
  b.feed(282, 562);
  a.feed(400, 562);
  await out.idle();
  for (const p of ["lofi", "midfi"]) {
    const m = media(dir, p);
    assert.deepEqual(
      m.segments.map((s) => s.sequence),
      [0, 1, 2, 3, 4],
      `${p}: sequence continues without duplicates`,
    );
    assert.deepEqual(
      m.segments.filter((s) => s.discontinuity).map((s) => s.sequence),
      [2, 4],
      `${p}: discontinuities`,
    );
    await decodesCleanly(join(dir, `ch_${p}.m3u8`));
  }
  assert.equal(out.status().restarts, 2);
  await out.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a restarted daemon continues the sequence, re-lists the old window and marks a discontinuity", async () => {
  const dir = tempDir();
  const state = new MemoryState();
  const cfg = (w: number) => config(dir, ["lofi"], { windowSegments: w });
  const s1 = new FeedStream("lofi", "aac", 32000, LOFI);
  const out1 = build(dir, [s1], { state, config: cfg(6) });
  s1.feed(0, 562);
  await out1.close();
  assert.deepEqual(
    media(dir, "lofi").segments.map((s) => s.sequence),
    [0, 1, 2, 3, 4],
  );

  const T1 = T0 + 15_000;
  const s2 = new FeedStream("lofi", "aac", 32000, LOFI);
  const out2 = build(dir, [s2], { state, config: cfg(6), timeline: timelineAt(T1), now: () => T1 });
  await out2.idle();
  assert.deepEqual(
    media(dir, "lofi").segments.map((s) => s.sequence),
    [0, 1, 2, 3, 4],
    "old window re-listed at start",
  );
  s2.feed(0, 200);
  await out2.idle();
  let m = media(dir, "lofi");
  assert.equal(m.mediaSequence, 1);
  assert.deepEqual(
    m.segments.map((s) => [s.sequence, s.discontinuity]),
    [
      [1, false],
      [2, false],
      [3, false],
      [4, false],
      [5, true],
      [6, false],
    ],
  );
  assert.equal(m.segments[4]?.pdtMs, T1);
  await decodesCleanly(join(dir, "ch_lofi.m3u8"));
  s2.feed(200, 1000);
  await out2.idle();
  m = media(dir, "lofi");
  assert.equal(m.mediaSequence, 9);
  assert.equal(m.discontinuitySequence, 1, "the DISCONTINUITY left the window");
  assert.ok(m.segments.every((s) => !s.discontinuity));
  await out2.close();
  rmSync(dir, { recursive: true, force: true });
});

test("retention: a segment is deleted one playlist duration after it left the playlist, not sooner", async () => {
  const dir = tempDir();
  let now = T0 + 1000;
  const s = new FeedStream("lofi", "aac", 32000, LOFI);
  const out = build(dir, [s], { config: config(dir, ["lofi"], { windowSegments: 3 }), now: () => now });
  const name = (seq: number) => readdirSync(dir).find((n) => n.startsWith(`ch_aac_lofi_2_${seq}_`));
  const upTo = async (k: number) => {
    s.feed(s.fed, segmentBoundary(k + 1, 96000, 1024) / 1024 + 1);
    await out.idle();
  };
  await upTo(4); // window [2,3,4]; 0 and 1 left at now
  assert.deepEqual(
    media(dir, "lofi").segments.map((x) => x.sequence),
    [2, 3, 4],
  );
  assert.ok(name(0) && name(1), "just left the playlist: still on disk");
  now = T0 + 1000 + 5999;
  await upTo(5);
  assert.ok(name(0) && name(1), "5.999 s after leaving: kept (retention 6 s)");
  now = T0 + 1000 + 6000;
  await upTo(6);
  assert.equal(name(0), undefined);
  assert.equal(name(1), undefined);
  assert.ok(name(2), "left at +5.999 s: kept");
  now = T0 + 1000 + 5999 + 6000;
  await upTo(7);
  assert.equal(name(2), undefined);
  assert.ok(name(3));
  await out.close();
  rmSync(dir, { recursive: true, force: true });
});

test("at start, unlisted files of ours are deleted once older than the retention; temp files go", async () => {
  const dir = tempDir();
  const old = join(dir, "ch_aac_gone_4_3_1700000000.ts");
  const recent = join(dir, "ch_aac_gone_4_4_1700000004.ts");
  const foreign = join(dir, "notes.txt");
  const tmp = join(dir, "ch_lofi.m3u8.123.4.tmp");
  for (const f of [old, recent, foreign, tmp]) writeFileSync(f, "x");
  const hourAgo = (Date.now() - 3_600_000) / 1000;
  for (const f of [old, foreign]) utimesSync(f, hourAgo, hourAgo);
  const out = build(dir, [new FeedStream("lofi", "aac", 32000, LOFI)], { now: Date.now });
  await out.idle();
  assert.equal(existsSync(old), false);
  assert.equal(existsSync(tmp), false);
  assert.ok(existsSync(recent), "could still be in a client's playlist");
  assert.ok(existsSync(foreign), "not ours");
  await out.close();
  rmSync(dir, { recursive: true, force: true });
});

test("disk errors are counted, never thrown into the frame callback, and the output recovers", async () => {
  const root = tempDir();
  const dir = join(root, "hls");
  const s = new FeedStream("lofi", "aac", 32000, LOFI);
  const out = build(dir, [s]);
  s.feed(0, 200); // segments 0, 1
  await out.idle();
  rmSync(dir, { recursive: true });
  writeFileSync(dir, "not a directory"); // every write now fails with ENOTDIR
  assert.doesNotThrow(() => s.feed(200, 300)); // closes segment 2
  await out.idle();
  const st = out.status();
  assert.ok(st.diskErrors >= 1);
  assert.equal(st.state, "failed");
  assert.match(st.lastError ?? "", /ENOTDIR/);
  rmSync(dir);
  mkdirSync(dir);
  s.feed(300, 562);
  await out.idle();
  const m = media(dir, "lofi");
  assert.deepEqual(
    m.segments.map((x) => [x.sequence, x.discontinuity]),
    [
      [3, true],
      [4, false],
    ],
  );
  assert.equal(out.status().state, "running");
  await out.close();
  rmSync(root, { recursive: true, force: true });
});

test("constructor rejects streams that don't match the configured profiles", () => {
  const dir = tempDir();
  assert.throws(
    () =>
      build(dir, [new FeedStream("lofi", "aac", 32000, LOFI)], {
        config: config(dir, ["hifi"]),
      }),
    /do not match outputs.hls.profiles \[hifi\]/,
  );
  rmSync(dir, { recursive: true, force: true });
});
