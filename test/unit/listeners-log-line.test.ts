import assert from "node:assert/strict";
import { test } from "node:test";
import { channelOfUri, classify, parseLogLine } from "../../src/listeners/log-line.js";
import { LineSplitter } from "../../src/listeners/line-splitter.js";
import { syslogPayload } from "../../src/listeners/syslog.js";

const line = (o: Record<string, string>) =>
  JSON.stringify({ ts: "1764499606.123", addr: "192.0.2.7", ua: "VLC/3.0", status: "200", bytes: "1", ...o });

void test("channelOfUri: media playlists and segments name their channel; the master does not count", () => {
  assert.equal(channelOfUri("/hls/fip/fip_midfi.m3u8"), "fip");
  assert.equal(channelOfUri("/fip_mp3-midfi.m3u8?_HLS_msn=3"), "fip");
  assert.equal(channelOfUri("/hls/fip-jazz/fip-jazz_aac_hifi_4_441124901_1764499604.ts"), "fip-jazz");
  assert.equal(channelOfUri("/hls/fip/fip.m3u8"), null);
  assert.equal(channelOfUri("/hls/fip/index.html"), null);
  assert.equal(channelOfUri("/hls/fip/_midfi.m3u8"), null);
  assert.equal(channelOfUri("/Fip_midfi.m3u8"), null);
  assert.equal(channelOfUri("/fip_midfi.m3u8/other"), null);
});

void test("parseLogLine: nginx's JSON (strings), numbers, shipper-wrapped lines, and clear errors", () => {
  assert.deepEqual(parseLogLine(line({ uri: "/fip_lofi.m3u8" })), {
    tsMs: 1764499606123,
    addr: "192.0.2.7",
    ua: "VLC/3.0",
    uri: "/fip_lofi.m3u8",
    status: 200,
  });
  const numeric = JSON.stringify({ ts: 1764499606.5, addr: "::1", uri: "/a_b.ts", status: 206 });
  assert.deepEqual(parseLogLine(numeric), {
    tsMs: 1764499606500,
    addr: "::1",
    ua: "",
    uri: "/a_b.ts",
    status: 206,
  });
  const wrapped = JSON.stringify({ message: line({ uri: "/fip_lofi.m3u8" }), host: "cache-1" });
  assert.equal((parseLogLine(wrapped) as { uri: string }).uri, "/fip_lofi.m3u8");
  assert.deepEqual(parseLogLine("{nope"), { error: "not JSON" });
  assert.deepEqual(parseLogLine("[1]"), { error: "not a JSON object" });
  assert.deepEqual(parseLogLine(line({ uri: "/x", ts: "-" })), { error: "ts missing or not a number" });
  assert.deepEqual(parseLogLine(line({ uri: "/x", addr: "" })), { error: "addr missing" });
  assert.deepEqual(parseLogLine(line({ uri: "/x", status: "" })), {
    error: "status missing or not an HTTP status",
  });
  assert.deepEqual(parseLogLine(JSON.stringify({ ts: "1", addr: "a", status: "200" })), {
    error: "uri missing",
  });
  const longUa = parseLogLine(line({ uri: "/x", ua: "u".repeat(5000) })) as { ua: string };
  assert.equal(longUa.ua.length, 512);
});

void test("classify: successful media fetches count, errors and the master playlist are ignored", () => {
  assert.equal(classify(line({ uri: "/fip_lofi.m3u8" })).kind, "media");
  assert.equal(classify(line({ uri: "/fip_aac_lofi_4_1_2.ts", status: "304" })).kind, "media");
  assert.equal(classify(line({ uri: "/fip_aac_lofi_4_1_2.ts", status: "404" })).kind, "ignored");
  assert.equal(classify(line({ uri: "/fip.m3u8" })).kind, "ignored");
  assert.deepEqual(classify("garbage"), { kind: "invalid", reason: "not JSON" });
});

void test("syslogPayload: RFC 3164 framing from nginx, with or without hostname", () => {
  const json = line({ uri: "/fip_lofi.m3u8" });
  assert.equal(syslogPayload(`<190>Nov 30 10:46:46 cache-1 antenne: ${json}`), json);
  assert.equal(syslogPayload(`<190>Nov  3 09:06:46 antenne: ${json}\n`), json);
  assert.equal(syslogPayload(`<13>Nov 30 10:46:46 host antenne[42]: ${json}`), json);
  assert.equal(syslogPayload(json), null);
  assert.equal(syslogPayload("<190>Nov 30 10:46:46 host antenne: plain text"), null);
});

void test("LineSplitter: lines across chunks, a last line without newline, overlong lines dropped whole", () => {
  const got: string[] = [];
  let tooLong = 0;
  const s = new LineSplitter(
    10,
    (l) => got.push(l),
    () => tooLong++,
  );
  s.push(Buffer.from("abc\nde"));
  s.push(Buffer.from("f\r\n\n0123456789ABC"));
  s.push(Buffer.from("DEF\nok\nlast"));
  s.end();
  assert.deepEqual(got, ["abc", "def", "ok", "last"]);
  assert.equal(tooLong, 1);
});
