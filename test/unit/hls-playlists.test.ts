import { test } from "node:test";
import assert from "node:assert/strict";
import {
  codecsOf,
  renderMasterPlaylist,
  renderMediaPlaylist,
  segmentName,
  segmentNamePattern,
  targetDurationOf,
} from "../../src/output/hls/playlists.js";
import { AdvertisedBandwidth, BandwidthMeter, estimateBandwidth } from "../../src/output/hls/bandwidth.js";

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

test("media playlist rendering", () => {
  const cases: { name: string; input: Parameters<typeof renderMediaPlaylist>[0]; want: string }[] = [
    {
      name: "empty",
      input: { targetDuration: 4, discontinuitySequence: 0, entries: [] },
      want: "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n",
    },
    {
      name: "two segments, discontinuity before the second",
      input: {
        targetDuration: 4,
        discontinuitySequence: 2,
        entries: [
          { sequence: 7, uri: "a_7.ts", durationSec: 4.010666666, pdtMs: T0, discontinuity: false },
          { sequence: 8, uri: "a_8.ts", durationSec: 3.989333, pdtMs: T0 + 4010.666, discontinuity: true },
        ],
      },
      want: [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-TARGETDURATION:4",
        "#EXT-X-MEDIA-SEQUENCE:7",
        "#EXT-X-DISCONTINUITY-SEQUENCE:2",
        "#EXT-X-PROGRAM-DATE-TIME:2024-01-02T03:04:05.678Z",
        "#EXTINF:4.010667,",
        "a_7.ts",
        "#EXT-X-DISCONTINUITY",
        "#EXT-X-PROGRAM-DATE-TIME:2024-01-02T03:04:09.689Z",
        "#EXTINF:3.989333,",
        "a_8.ts",
        "",
      ].join("\n"),
    },
  ];
  for (const c of cases) assert.equal(renderMediaPlaylist(c.input), c.want, c.name);
  const gap = renderMediaPlaylist({
    targetDuration: 4,
    discontinuitySequence: 0,
    entries: [{ sequence: 9, uri: "a_9.ts", durationSec: 4, pdtMs: T0, discontinuity: false, gap: true }],
  });
  assert.ok(
    gap.endsWith(
      "#EXT-X-PROGRAM-DATE-TIME:2024-01-02T03:04:05.678Z\n#EXT-X-GAP\n#EXTINF:4.000000,\na_9.ts\n",
    ),
  );
});

test("master playlist rendering", () => {
  const text = renderMasterPlaylist([
    { uri: "fip_lofi.m3u8", bandwidth: 40000.2, averageBandwidth: 36000, codecs: codecsOf("aac") },
    { uri: "fip_mp3.m3u8", bandwidth: 150000, averageBandwidth: 140000, codecs: codecsOf("mp3") },
  ]);
  assert.equal(
    text,
    [
      "#EXTM3U",
      "#EXT-X-VERSION:3",
      "#EXT-X-INDEPENDENT-SEGMENTS",
      '#EXT-X-STREAM-INF:BANDWIDTH=40001,AVERAGE-BANDWIDTH=36000,CODECS="mp4a.40.2"',
      "fip_lofi.m3u8",
      '#EXT-X-STREAM-INF:BANDWIDTH=150000,AVERAGE-BANDWIDTH=140000,CODECS="mp4a.40.34"',
      "fip_mp3.m3u8",
      "",
    ].join("\n"),
  );
});

test("target duration: rounded longest grid segment", () => {
  const table: [number, number][] = [
    [(188 * 1024) / 48000, 4], // 4.0107
    [(167 * 1152) / 48000, 4],
    [(118 * 1024) / 48000, 3], // 2.5 s segments → 2.517
    [(47 * 1024) / 48000, 1],
    [0.2, 1],
    [6.6, 7],
  ];
  for (const [sec, want] of table) assert.equal(targetDurationOf(sec), want, `${sec}`);
});

test("segment names and the pattern that finds them", () => {
  const table: { parts: Parameters<typeof segmentName>[0]; want: string }[] = [
    {
      parts: {
        channel: "fip",
        codec: "aac",
        profile: "hifi",
        segmentSec: 4,
        sequence: 12,
        pdtMs: 1700000000999.6,
      },
      want: "fip_aac_hifi_4_12_1700000001.ts",
    },
    {
      parts: {
        channel: "fip-2",
        codec: "mp3",
        profile: "mp3_mid.fi",
        segmentSec: 2.5,
        sequence: 0,
        pdtMs: 1700000000400,
      },
      want: "fip-2_mp3_mp3_mid.fi_2.5_0_1700000000.ts",
    },
  ];
  for (const { parts, want } of table) {
    assert.equal(segmentName(parts), want);
    assert.ok(segmentNamePattern(parts.channel).test(want));
  }
  const p = segmentNamePattern("fip");
  for (const other of [
    "fip.m3u8",
    "fip_hifi.m3u8",
    "fipx_aac_hifi_4_1_2.ts",
    "fip_aac_hifi_4_1_2.ts.1.2.tmp",
    "fip_ogg_a_4_1_2.ts",
  ]) {
    assert.equal(p.test(other), false, other);
  }
});

test("bandwidth: estimate covers TS overhead; peak ignores tiny segments; master follows the peak", () => {
  const est = estimateBandwidth({ codec: "aac", bitrate: 96000, sampleRate: 48000, segmentSec: 4 });
  assert.ok(est.average > 96000 * 1.04 && est.average < 96000 * 1.2, `${est.average}`);
  assert.ok(est.bandwidth > est.average);
  const m = new BandwidthMeter(4);
  m.add(1000, 0.02); // one-frame first segment: 400 kb/s, not a peak
  assert.equal(m.peak, 0);
  m.add(50_000, 4);
  assert.equal(m.peak, Math.ceil((51_000 * 8) / 4.02));
  m.add(60_000, 4);
  assert.equal(m.peak, 120_000);
  const adv = new AdvertisedBandwidth({ bandwidth: 100_000, average: 90_000 });
  assert.equal(adv.update(m, 3), true);
  assert.equal(adv.bandwidth, 126_000);
  assert.equal(adv.average, m.average);
  assert.equal(adv.update(m, 4), false);
});
