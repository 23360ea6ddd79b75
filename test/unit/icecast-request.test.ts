import assert from "node:assert/strict";
import { test } from "node:test";
import { Backoff, backoffDelayMs } from "../../src/util/backoff.js";
import {
  buildSourceRequest,
  contentTypeOf,
  describeRefusal,
  iceAudioInfo,
  parseResponseHead,
  parseSourceUrl,
  redactUrl,
  type SourceRequestInput,
} from "../../src/output/icecast/request.js";

const base: SourceRequestInput = {
  target: parseSourceUrl("http://source:s%40cret@icecast.example:8010/fip-hifi.aac"),
  method: "PUT",
  codec: "aac",
  bitrate: 192_000,
  format: { sampleRate: 48000, channels: 2 },
  name: "FIP",
  description: "Eclectique",
  genre: "Eclectic",
  public: false,
};

void test("parseSourceUrl: credentials decoded, defaults for user and port", () => {
  assert.deepEqual(parseSourceUrl("http://source:s%40cret@icecast.example:8010/fip-hifi.aac"), {
    tls: false,
    host: "icecast.example",
    port: 8010,
    path: "/fip-hifi.aac",
    user: "source",
    password: "s@cret",
  });
  const d = parseSourceUrl("http://:pw@h/m.mp3");
  assert.equal(d.user, "source");
  assert.equal(d.port, 8000);
});

void test("parseSourceUrl: https is TLS; written ports win over the scheme's default; bad URLs say why", () => {
  assert.deepEqual(parseSourceUrl("https://source:pw@h/m"), {
    tls: true,
    host: "h",
    port: 443,
    path: "/m",
    user: "source",
    password: "pw",
  });
  assert.equal(parseSourceUrl("https://source:pw@h:8443/m").port, 8443);
  // WHATWG URL drops ":80" on http and ":443" on https: they are still what was written.
  assert.equal(parseSourceUrl("http://source:pw@h:80/m").port, 80);
  assert.equal(parseSourceUrl("http://source:pw@[::1]:80/m").host, "::1");
  assert.equal(parseSourceUrl("http://source:pw@[::1]:80/m").port, 80);
  assert.throws(() => parseSourceUrl("ftp://source:secret@h/m"), /unsupported scheme "ftp:".*\*\*\*/);
  assert.throws(() => parseSourceUrl("http://source:secret@h:99999/m"), /^Error: not a valid URL/);
  assert.throws(() => parseSourceUrl("http://source:secret@h:0/m"), /port 0 is out of range/);
  assert.throws(() => parseSourceUrl("http://source:secret@h:8000/"), /no mount in .*\*\*\*/);
  assert.throws(
    () => parseSourceUrl("http://source:secret@h:8000"),
    (e: Error) => !e.message.includes("secret"),
  );
});

void test("redactUrl hides the password", () => {
  assert.equal(redactUrl("http://source:secret@h:8000/m"), "http://source:***@h:8000/m");
});

void test("ice-audio-info and content types", () => {
  assert.equal(
    iceAudioInfo(128_000, { sampleRate: 44100, channels: 2 }),
    "ice-bitrate=128;ice-samplerate=44100;ice-channels=2",
  );
  assert.equal(
    iceAudioInfo(32_000, { sampleRate: 48000, channels: 1 }),
    "ice-bitrate=32;ice-samplerate=48000;ice-channels=1",
  );
  assert.equal(contentTypeOf("aac"), "audio/aac");
  assert.equal(contentTypeOf("mp3"), "audio/mpeg");
});

void test("PUT request head: every header, Expect: 100-continue, blank line at the end", () => {
  const head = buildSourceRequest(base);
  assert.equal(
    head,
    [
      "PUT /fip-hifi.aac HTTP/1.1",
      "Host: icecast.example:8010",
      `Authorization: Basic ${Buffer.from("source:s@cret").toString("base64")}`,
      "User-Agent: antenne",
      "Content-Type: audio/aac",
      "ice-public: 0",
      "ice-bitrate: 192",
      "ice-audio-info: ice-bitrate=192;ice-samplerate=48000;ice-channels=2",
      "ice-name: FIP",
      "ice-description: Eclectique",
      "ice-genre: Eclectic",
      "Expect: 100-continue",
      "",
      "",
    ].join("\r\n"),
  );
});

void test("SOURCE request head: HTTP/1.0, no Expect; optional headers omitted; no header injection", () => {
  const head = buildSourceRequest({
    ...base,
    method: "SOURCE",
    codec: "mp3",
    public: true,
    name: "evil\r\nX-Injected: 1",
    description: undefined,
    genre: undefined,
    homepage: "https://www.radiofrance.fr/fip",
  });
  const lines = head.split("\r\n");
  assert.equal(lines[0], "SOURCE /fip-hifi.aac HTTP/1.0");
  assert.ok(lines.includes("Content-Type: audio/mpeg"));
  assert.ok(lines.includes("ice-public: 1"));
  assert.ok(lines.includes("ice-name: evil X-Injected: 1"));
  assert.ok(lines.includes("ice-url: https://www.radiofrance.fr/fip"));
  assert.ok(
    !lines.some(
      (l) => l.startsWith("Expect") || l.startsWith("ice-genre") || l.startsWith("ice-description"),
    ),
  );
  assert.ok(head.endsWith("\r\n\r\n"));
});

void test("parseResponseHead: 100, 200 and refusals; incomplete is null", () => {
  assert.equal(parseResponseHead(Buffer.from("HTTP/1.1 100 Continue\r\nContent-Len")), null);
  const h = parseResponseHead(
    Buffer.from("HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\nHTTP/1.0 200 OK\r\n\r\n"),
  );
  assert.deepEqual(h, { status: 100, reason: "Continue", headers: { "content-length": "0" }, length: 44 });
  assert.equal(parseResponseHead(Buffer.from("HTTP/1.0 200 OK\r\n\r\n"))?.status, 200);
  assert.equal(
    parseResponseHead(Buffer.from("HTTP/1.0 403 Forbidden\r\nServer: Icecast 2.4.4\r\n\r\nMountpoint in use"))
      ?.length,
    49,
  );
  assert.throws(() => parseResponseHead(Buffer.from("garbage\r\n\r\n")), /not an HTTP response/);
});

void test("describeRefusal names the reason", () => {
  assert.match(
    describeRefusal(401, "Authentication Required", "You need to authenticate\r\n"),
    /^401 bad credentials \(You need to authenticate\)$/,
  );
  assert.match(describeRefusal(403, "Forbidden", "Mountpoint in use"), /^403 mount in use/);
  assert.match(describeRefusal(409, "Conflict", ""), /^409 mount in use \(Conflict\)$/);
  assert.match(describeRefusal(403, "Forbidden", "Content-type not supported"), /^403 mount rejected/);
  assert.equal(describeRefusal(500, "Internal Server Error", ""), "500 Internal Server Error");
});

void test("backoff: 1 s doubling to 30 s, reset starts over", () => {
  assert.deepEqual(
    Array.from({ length: 8 }, (_, i) => backoffDelayMs(i)),
    [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
  );
  assert.equal(backoffDelayMs(10_000), 30_000);
  const b = new Backoff({ initialMs: 100, maxMs: 500 });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 500, 500]);
  b.reset();
  assert.equal(b.next(), 100);
});
