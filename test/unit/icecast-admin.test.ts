import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import { test } from "node:test";
import { silentLogger } from "../../src/log.js";
import { IcecastAdmin, metadataPath, songOf } from "../../src/output/icecast/admin.js";
import { decodeXmlEntities, parseIcecastStats } from "../../src/output/icecast/stats.js";
import { componentDeps } from "../helpers/deps.js";

const STATS = `<?xml version="1.0"?>
<icestats><admin>icemaster@localhost</admin><client_connections>12</client_connections>
<source mount="/fip-hifi.aac"><audio_info>ice-bitrate=192;ice-samplerate=48000;ice-channels=2</audio_info>
<bitrate>192</bitrate><genre>Eclectic</genre><ice-bitrate>192</ice-bitrate><listeners>3</listeners>
<listenurl>http://127.0.0.1:8000/fip-hifi.aac</listenurl><public>0</public>
<server_name>FIP</server_name><server_type>audio/aac</server_type>
<title>&#xC9;dith Piaf - La vie en rose &amp; co</title><total_bytes_read>1234</total_bytes_read></source>
<source mount="/fip-midfi.mp3"><listeners>0</listeners><server_type>audio/mpeg</server_type>
<audio_info>ice-samplerate=44100;ice-bitrate=128;ice-channels=2</audio_info><ice-bitrate>128</ice-bitrate></source>
</icestats>`;

void test("parseIcecastStats: mounts, listeners, title, content type, bitrate", () => {
  const m = parseIcecastStats(STATS);
  assert.deepEqual([...m.keys()], ["/fip-hifi.aac", "/fip-midfi.mp3"]);
  const hifi = m.get("/fip-hifi.aac")!;
  assert.equal(hifi.listeners, 3);
  assert.equal(hifi.title, "Édith Piaf - La vie en rose & co");
  assert.equal(hifi.contentType, "audio/aac");
  assert.equal(hifi.bitrate, 192);
  assert.equal(hifi.fields.server_name, "FIP");
  const mp3 = m.get("/fip-midfi.mp3")!;
  assert.equal(mp3.listeners, 0);
  assert.equal(mp3.title, null);
  assert.equal(mp3.bitrate, 128);
  assert.equal(parseIcecastStats("<icestats></icestats>").size, 0);
  assert.equal(parseIcecastStats("not xml").size, 0);
});

void test("decodeXmlEntities", () => {
  assert.equal(
    decodeXmlEntities("a &lt;b&gt; &quot;c&quot; &#233; &#x1F3B5; &unknown;"),
    'a <b> "c" é 🎵 &unknown;',
  );
});

void test("songOf and metadataPath: 'artist - title', UTF-8 percent-encoded", () => {
  assert.equal(songOf({ artist: "Édith Piaf", title: "La vie en rose" }), "Édith Piaf - La vie en rose");
  assert.equal(songOf({ title: "Jingle" }), "Jingle");
  assert.equal(songOf({ artist: " A ", title: "" }), "A");
  assert.equal(
    metadataPath("/fip.mp3", "Édith Piaf - Rose & co"),
    "/admin/metadata?mount=%2Ffip.mp3&mode=updinfo&song=%C3%89dith%20Piaf%20-%20Rose%20%26%20co&charset=UTF-8",
  );
});

async function fakeIcecast(handler: (req: IncomingMessage) => [number, string]) {
  const seen: { url: string; auth: string }[] = [];
  const srv = createServer((req, res) => {
    seen.push({
      url: req.url ?? "",
      auth: Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString(),
    });
    const [status, body] = handler(req);
    res.writeHead(status, { "content-type": "text/xml" }).end(body);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const addr = srv.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return { port, seen, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

void test("IcecastAdmin: polls listeners with admin credentials, metadata with source credentials when no admin URL", async () => {
  const fake = await fakeIcecast((req) =>
    req.url === "/admin/stats" ? [200, STATS] : [200, "<iceresponse><return>1</return></iceresponse>"],
  );
  try {
    const withAdmin = new IcecastAdmin({
      mount: "/fip-hifi.aac",
      output: "test",
      ...componentDeps(),
      sourceUrl: `http://source:src@127.0.0.1:${fake.port}/fip-hifi.aac`,
      adminUrl: `http://admin:adm@127.0.0.1:${fake.port}`,
      log: silentLogger(),
    });
    const st = await withAdmin.pollOnce();
    assert.equal(st?.listeners, 3);
    assert.equal(withAdmin.listeners, 3);
    assert.equal(await withAdmin.updateMetadata({ artist: "Édith Piaf", title: "Milord" }), true);
    await withAdmin.close();
    assert.deepEqual(
      fake.seen.map((s) => s.auth),
      ["admin:adm", "admin:adm"],
    );

    const noAdmin = new IcecastAdmin({
      mount: "/fip-hifi.aac",
      output: "test",
      ...componentDeps(),
      sourceUrl: `http://source:src@127.0.0.1:${fake.port}/fip-hifi.aac`,
      adminUrl: null,
      log: silentLogger(),
    });
    assert.equal(await noAdmin.pollOnce(), null);
    assert.equal(noAdmin.listeners, null);
    assert.equal(await noAdmin.updateMetadata({ title: "T" }), true);
    assert.equal(fake.seen.at(-1)?.auth, "source:src");
    assert.match(fake.seen.at(-1)?.url ?? "", /song=T&/);
    await noAdmin.close();
  } finally {
    await fake.close();
  }
});

void test("IcecastAdmin: failures resolve (null / false), never reject", async () => {
  const fake = await fakeIcecast(() => [401, "<html>need auth</html>"]);
  const log = silentLogger();
  try {
    const a = new IcecastAdmin({
      mount: "/m",
      output: "test",
      ...componentDeps(),
      sourceUrl: `http://source:x@127.0.0.1:${fake.port}/m`,
      adminUrl: `http://admin:bad@127.0.0.1:${fake.port}`,
      log,
    });
    assert.equal(await a.pollOnce(), null);
    assert.equal(a.listeners, null);
    assert.equal(await a.updateMetadata({ title: "x" }), false);
    await a.close();
  } finally {
    await fake.close();
  }
  // Nothing listens on port 1.
  const dead = new IcecastAdmin({
    mount: "/m",
    output: "test",
    ...componentDeps(),
    sourceUrl: "http://source:x@127.0.0.1:1/m",
    adminUrl: "http://admin:x@127.0.0.1:1",
    log,
    requestTimeoutMs: 500,
  });
  assert.equal(await dead.pollOnce(), null);
  assert.equal(await dead.updateMetadata({ title: "x" }), false);
  await dead.close();
});
