/**
 * The HTTP contract of SPEC §6 on buildApi() with a small fake ChannelView (it stands in
 * for the channel; the real one is exercised end to end in test/e2e/switch-daemon.test.ts):
 * error shape, the token rule, the Liquidsoap-compatible routes, readiness.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Registry } from "prom-client";
import { buildApi } from "../../src/api/server.js";
import type {
  ChannelEvents,
  ChannelStatus,
  ChannelView,
  InputStatus,
  SwitchResult,
} from "../../src/channel/view.js";
import { ApiClient } from "../helpers/api-inject.js";
import { systemClock } from "../helpers/deps.js";

const TOKEN = "unit-token-5b1";

function input(id: string, available: boolean): InputStatus {
  return {
    id,
    kind: "srt",
    autofallback: true,
    priority: 0,
    state: available ? "connected" : "listening",
    available,
    blank: false,
    levelDb: { rms: available ? -18 : -120, peak: available ? -15 : -120 },
    lufsMomentary: null,
    lufsShortTerm: null,
    bufferMs: available ? 300 : 0,
    targetDelayMs: 300,
    maxDelayMs: 2000,
    driftPpm: 0,
    unavailableSec: 0,
    receivedBytes: 0,
    connections: available ? 1 : 0,
    rejected: {},
    srt: {
      peer: available ? "127.0.0.1:5000" : null,
      rttMs: 0,
      packetsReceived: 0,
      packetsLost: 0,
      packetsDropped: 0,
      packetsRetransmitted: 0,
      receiveBufferMs: 0,
      receiveRateKbps: 0,
      stream: available ? "MPEG-TS AAC 48000 Hz 2 ch" : null,
    },
    timing: null,
    lastError: null,
  };
}

class FakeChannel implements ChannelView {
  readonly channel = "unit";
  active: string | null = "main";
  preferred: string | null = null;
  blank = false;
  readyState: { ok: true } | { ok: false; reason: string } = { ok: true };
  metadata: { title: string; artist: string } | null = null;
  readonly inputs = [input("main", true), input("backup", true), input("spare", false)];
  readonly requests: string[] = [];

  status(): ChannelStatus {
    return {
      channel: this.channel,
      version: "test",
      uptimeSec: 1,
      active: this.active,
      preferred: this.preferred,
      program: {
        blank: this.blank,
        levelDb: { rms: -18, peak: -15 },
        lufsMomentary: null,
        lufsShortTerm: null,
        degraded: null,
        clockOffsetMs: 0,
        clockReanchors: 0,
      },
      metadata: this.metadata,
      inputs: this.inputs,
      profiles: [],
      outputs: [],
    };
  }
  ready() {
    return this.readyState;
  }
  requestSwitch(id: string): Promise<SwitchResult> {
    this.requests.push(id);
    const i = this.inputs.find((x) => x.id === id);
    if (!i) return Promise.resolve({ ok: false, code: "unknown-input", message: `unknown input "${id}"` });
    if (!i.available)
      return Promise.resolve({
        ok: false,
        code: "unavailable",
        message: `input "${id}" is not available: it is not receiving audio`,
      });
    this.preferred = id;
    this.active = id;
    return Promise.resolve({ ok: true, status: this.status() });
  }
  clearPreference(): Promise<ChannelStatus> {
    this.preferred = null;
    return Promise.resolve(this.status());
  }
  setMetadata(meta: { title: string; artist: string }): ChannelStatus {
    this.metadata = meta;
    return this.status();
  }
  on<K extends keyof ChannelEvents>(_event: K, _fn: ChannelEvents[K]): void {}
  off<K extends keyof ChannelEvents>(_event: K, _fn: ChannelEvents[K]): void {}
  counters() {
    return {
      switches: [],
      errors: new Map(),
      eventLoopLag: { p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: 0, ticks: 0 },
    };
  }
}

function setup(token = TOKEN): { app: ApiClient; view: FakeChannel } {
  const view = new FakeChannel();
  const app = new ApiClient(
    buildApi({ view, registry: new Registry(), token, hlsDir: null, clock: systemClock }),
  );
  return { app, view };
}

const bearer = { authorization: `Bearer ${TOKEN}` };

function assertError(res: { statusCode: number; json(): unknown }, code: number, message?: RegExp): void {
  assert.equal(res.statusCode, code);
  const body = res.json() as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ["error", "message", "statusCode"]);
  assert.equal(body.statusCode, code);
  const names: Record<number, string> = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    409: "Conflict",
    503: "Service Unavailable",
  };
  assert.equal(body.error, names[code]);
  assert.equal(typeof body.message, "string");
  if (message) assert.match(body.message as string, message);
}

describe("API error shape", () => {
  test("400 for a bad body on POST /api/v1/switch and /api/v1/metadata", async () => {
    const { app, view } = setup();
    for (const payload of [{}, { input: "" }, { input: 5 }, { input: "main", extra: 1 }, []]) {
      const res = await app.inject({ method: "POST", url: "/api/v1/switch", headers: bearer, payload });
      assertError(res, 400, /input/);
    }
    const bad = await app.inject({
      method: "POST",
      url: "/api/v1/switch",
      headers: { ...bearer, "content-type": "application/json" },
      payload: "{not json",
    });
    assertError(bad, 400);
    const meta = await app.inject({
      method: "POST",
      url: "/api/v1/metadata",
      headers: bearer,
      payload: { title: 5 },
    });
    assertError(meta, 400, /title/);
    assert.deepEqual(view.requests, [], "no bad body reached the channel");
    assert.equal(view.metadata, null);
  });

  test("404 for an unknown input, an unknown route", async () => {
    const { app } = setup();
    assertError(await app.inject({ method: "GET", url: "/api/v1/inputs/nope" }), 404, /nope/);
    assertError(
      await app.inject({
        method: "POST",
        url: "/api/v1/switch",
        headers: bearer,
        payload: { input: "nope" },
      }),
      404,
      /nope/,
    );
    assertError(await app.inject({ method: "GET", url: "/api/v1/nothing" }), 404);
  });

  test("409 naming the input when it is not available; preference unchanged", async () => {
    const { app, view } = setup();
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/switch",
      headers: bearer,
      payload: { input: "spare" },
    });
    assertError(res, 409, /"spare".*not available/);
    assert.equal(view.preferred, null);
    assert.equal(view.active, "main");
  });

  test("200 with the status when the switch is done", async () => {
    const { app } = setup();
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/switch",
      headers: bearer,
      payload: { input: "backup" },
    });
    assert.equal(res.statusCode, 200);
    const s = res.json() as ChannelStatus;
    assert.equal(s.active, "backup");
    assert.equal(s.preferred, "backup");
    const del = await app.inject({ method: "DELETE", url: "/api/v1/switch", headers: bearer });
    assert.equal(del.statusCode, 200);
    assert.equal((del.json() as ChannelStatus).preferred, null);
  });
});

describe("token rule: only mutating routes", () => {
  const mutating = [
    { method: "POST", url: "/api/v1/switch", payload: { input: "backup" } },
    { method: "DELETE", url: "/api/v1/switch" },
    { method: "POST", url: "/api/v1/metadata", payload: { title: "t", artist: "a" } },
    { method: "POST", url: "/livesource", payload: { input: "backup" } },
  ] as const;

  test("401 without a valid bearer token, and nothing changes", async () => {
    const { app, view } = setup();
    view.preferred = "main";
    for (const r of mutating) {
      for (const headers of [
        {},
        { authorization: "Bearer nope" },
        { authorization: TOKEN },
        { authorization: `Basic ${TOKEN}` },
      ]) {
        const res = await app.inject({ ...r, headers } as never);
        assertError(res, 401, /token/);
      }
    }
    assert.deepEqual(view.requests, []);
    assert.equal(view.preferred, "main");
    assert.equal(view.metadata, null);
  });

  test("the same requests with the token succeed", async () => {
    const { app, view } = setup();
    for (const r of mutating) {
      const res = await app.inject({ ...r, headers: bearer } as never);
      assert.equal(res.statusCode, 200, `${r.method} ${r.url}: ${res.body}`);
    }
    assert.deepEqual(view.metadata, { title: "t", artist: "a" });
  });

  test("reads need no token", async () => {
    const { app } = setup();
    for (const url of [
      "/healthz",
      "/readyz",
      "/api/v1/status",
      "/api/v1/inputs/main",
      "/livesource",
      "/readiness",
      "/metrics",
      "/",
    ]) {
      const res = await app.inject({ method: "GET", url });
      assert.equal(res.statusCode, 200, url);
    }
    assert.equal((await app.inject({ method: "HEAD", url: "/api/v1/status" })).statusCode, 200);
  });

  test("no token configured: mutating routes are open", async () => {
    const { app } = setup("");
    const res = await app.inject({ method: "POST", url: "/api/v1/switch", payload: { input: "backup" } });
    assert.equal(res.statusCode, 200);
  });
});

describe("Liquidsoap-compatible routes", () => {
  test("GET /livesource: preferred_output, inputs, real_output, is_output_blank", async () => {
    const { app, view } = setup();
    assert.deepEqual((await app.inject({ method: "GET", url: "/livesource" })).json(), {
      preferred_output: "",
      inputs: ["main", "backup", "spare"],
      real_output: "main",
      is_output_blank: false,
    });
    view.preferred = "backup";
    view.active = "backup";
    view.blank = true;
    assert.deepEqual((await app.inject({ method: "GET", url: "/livesource" })).json(), {
      preferred_output: "backup",
      inputs: ["main", "backup", "spare"],
      real_output: "backup",
      is_output_blank: true,
    });
  });

  test("POST /livesource with the name as text/plain (trimmed) or JSON switches", async () => {
    const { app, view } = setup();
    const text = await app.inject({
      method: "POST",
      url: "/livesource",
      headers: { ...bearer, "content-type": "text/plain" },
      payload: "backup\n",
    });
    assert.equal(text.statusCode, 200, text.body);
    assert.equal((text.json() as { preferred_output: string }).preferred_output, "backup");
    assert.equal((text.json() as { real_output: string }).real_output, "backup");
    const json = await app.inject({
      method: "POST",
      url: "/livesource",
      headers: bearer,
      payload: { input: "main" },
    });
    assert.equal(json.statusCode, 200);
    assert.deepEqual(view.requests, ["backup", "main"]);
  });

  test("POST /livesource: 400 for an unknown name (as Liquidsoap), 409 for an unavailable one", async () => {
    const { app, view } = setup();
    const unknown = await app.inject({
      method: "POST",
      url: "/livesource",
      headers: { ...bearer, "content-type": "text/plain" },
      payload: "nope",
    });
    assertError(unknown, 400, /nope/);
    const empty = await app.inject({
      method: "POST",
      url: "/livesource",
      headers: { ...bearer, "content-type": "text/plain" },
      payload: "",
    });
    assertError(empty, 400);
    const spare = await app.inject({
      method: "POST",
      url: "/livesource",
      headers: { ...bearer, "content-type": "text/plain" },
      payload: "spare",
    });
    assertError(spare, 409, /spare/);
    assert.equal(view.preferred, null);
  });

  test("GET /readiness: 200 when ready, 503 with the reason otherwise", async () => {
    const { app, view } = setup();
    const ok = await app.inject({ method: "GET", url: "/readiness" });
    assert.equal(ok.statusCode, 200);
    assert.equal((ok.json() as { ready: boolean }).ready, true);
    assert.equal((ok.json() as { real_output: string }).real_output, "main");
    view.readyState = { ok: false, reason: "program clock not running" };
    const no = await app.inject({ method: "GET", url: "/readiness" });
    assert.equal(no.statusCode, 503);
    const body = no.json() as { ready: boolean; reason: string; inputs: string[] };
    assert.equal(body.ready, false);
    assert.equal(body.reason, "program clock not running");
    assert.deepEqual(body.inputs, ["main", "backup", "spare"]);
  });
});

describe("readiness and inputs", () => {
  test("/readyz: 200 when ready, 503 with the reason in the error shape", async () => {
    const { app, view } = setup();
    const ok = await app.inject({ method: "GET", url: "/readyz" });
    assert.equal(ok.statusCode, 200);
    view.readyState = { ok: false, reason: 'no HLS segment yet for profile "hi"' };
    assertError(await app.inject({ method: "GET", url: "/readyz" }), 503, /no HLS segment yet/);
    assert.equal((await app.inject({ method: "GET", url: "/healthz" })).statusCode, 200, "healthz stays 200");
  });

  test("/api/v1/inputs/:id: the input's status; 404 for an unknown id", async () => {
    const { app } = setup();
    const res = await app.inject({ method: "GET", url: "/api/v1/inputs/backup" });
    assert.equal(res.statusCode, 200);
    const i = res.json() as InputStatus;
    assert.equal(i.id, "backup");
    assert.equal(i.available, true);
    assert.deepEqual(i.levelDb, { rms: -18, peak: -15 });
    assertError(await app.inject({ method: "GET", url: "/api/v1/inputs/backup2" }), 404, /backup2/);
  });
});

describe("the HTTP layer (node:http)", () => {
  const raw = (base: string, path: string, method = "GET") =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(base);
      const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end();
    });

  test("/hls/ serves the folder's files only: types, CORS, HEAD without a body, no way out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "antenne-api-"));
    mkdirSync(join(dir, "hls"));
    writeFileSync(join(dir, "hls", "t.m3u8"), "#EXTM3U\n");
    writeFileSync(join(dir, "secret.ts"), "no");
    const api = buildApi({
      view: new FakeChannel(),
      registry: new Registry(),
      token: TOKEN,
      hlsDir: join(dir, "hls"),
      clock: systemClock,
    });
    const base = await api.listen({ host: "127.0.0.1", port: 0 });
    try {
      const pl = await fetch(`${base}/hls/t.m3u8`);
      assert.equal(pl.status, 200);
      assert.equal(pl.headers.get("content-type"), "application/vnd.apple.mpegurl");
      assert.equal(pl.headers.get("access-control-allow-origin"), "*");
      assert.equal(pl.headers.get("cache-control"), "max-age=1");
      assert.equal(await pl.text(), "#EXTM3U\n");
      const head = await fetch(`${base}/hls/t.m3u8`, { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-length"), "8");
      assert.equal(await head.text(), "");
      const opt = await fetch(`${base}/hls/t.m3u8`, { method: "OPTIONS" });
      assert.equal(opt.status, 204);
      assert.match(opt.headers.get("access-control-allow-methods") ?? "", /GET/);
      for (const path of ["/hls/..%2fsecret.ts", "/hls/%2e%2e/secret.ts", "/hls/nope.ts", "/hls/t.txt"]) {
        const r = await raw(base, path);
        assert.equal(r.status, 404, path);
        assert.doesNotMatch(r.body, /no"?$/, path);
      }
      assert.equal((await raw(base, "/hls/%zz.ts")).status, 400, "a malformed escape");
    } finally {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("bodies: 413 over 64 KiB, 415 for a type the API does not read, nothing reaches the channel", async () => {
    const { app, view } = setup();
    const big = await app.inject({
      method: "POST",
      url: "/api/v1/switch",
      headers: bearer,
      payload: { input: "x".repeat(70 * 1024) },
    });
    assert.equal(big.statusCode, 413);
    const xml = await app.inject({
      method: "POST",
      url: "/api/v1/switch",
      headers: { ...bearer, "content-type": "application/xml" },
      payload: "<input>backup</input>",
    });
    assert.equal(xml.statusCode, 415);
    assert.deepEqual(view.requests, []);
  });

  test("a handler that throws answers 500 in the error shape, and the server goes on", async () => {
    const { app, view } = setup();
    view.status = () => {
      throw new Error("boom");
    };
    const res = await app.inject({ method: "GET", url: "/api/v1/status" });
    assert.equal(res.statusCode, 500);
    assert.deepEqual(res.json(), { statusCode: 500, error: "Internal Server Error", message: "boom" });
    assert.equal((await app.inject({ method: "GET", url: "/healthz" })).statusCode, 200);
  });
});

describe("the HTTP layer: what cannot be sent", () => {
  test("a body that cannot be serialized fails that request with a 500, not the daemon", async () => {
    const { app, view } = setup();
    const big = 10n;
    view.status = () => ({ n: big }) as never;
    const res = await app.inject({ method: "GET", url: "/api/v1/status" });
    assert.equal(res.statusCode, 500);
    assert.match((res.json() as { message: string }).message, /BigInt/);
    assert.equal((await app.inject({ method: "GET", url: "/healthz" })).statusCode, 200);
  });
});
