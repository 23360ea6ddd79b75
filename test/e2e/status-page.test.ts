/**
 * The status page in a real headless Chromium against the real daemon (two tone inputs and an
 * SRT listener with a passphrase, HLS, an API token): it shows the active input live from the
 * events stream, the facts of each input's kind, asks for the token once when switching,
 * switches, clears the preference with the stored token, shows a 409's reason as text (never as
 * HTML), lists problems as they happen (a caller with a wrong passphrase), and renders to a
 * non-empty PNG. The page's ES modules are served by exact name only.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { get } from "node:http";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { parseChannel } from "../../src/config/load.js";
import { startDaemon, type Daemon } from "../../src/daemon.js";
import { silentLogger } from "../../src/log.js";
import type { ChannelStatus } from "../../src/channel/view.js";
import { systemClock } from "../../src/clock/clock.js";
import { freeUdpPort } from "../helpers/ports.js";
import { Background } from "../helpers/proc.js";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "page-test-token-7f3a";
const STATIC = fileURLToPath(new URL("../../../src/api/static/", import.meta.url));
let srtPort = 0;
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} not installed (apt-get install chromium)`;

let dir: string;
let daemon: Daemon | undefined;
let browser: Browser | undefined;
let page: Page;
const dialogs: string[] = [];
const pageErrors: string[] = [];

async function apiStatus(): Promise<ChannelStatus> {
  const res = await fetch(`${daemon!.url}/api/v1/status`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200);
  return (await res.json()) as ChannelStatus;
}

async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(
  async () => {
    dir = await mkdtemp(join(tmpdir(), "antenne-page-"));
    srtPort = await freeUdpPort();
    const yaml = `
channel: pagetest
audio: { sampleRate: 48000, channels: 2 }
inputs:
  - id: main
    tone: { frequencyHz: 440 }
  - id: backup
    tone: { frequencyHz: 660 }
  - id: studio
    srt: { mode: listener, bind: "127.0.0.1:${srtPort}", passphrase: "studio-secret-42" }
switcher:
  silence: { minNoiseSec: 0.2 }
  returnDelaySec: 1
profiles:
  midfi: { codec: aac, bitrate: 64k }
outputs:
  hls:
    dir: ${JSON.stringify(join(dir, "hls"))}
    segmentSec: 2
    windowSegments: 5
    profiles: [midfi]
api:
  listen: "127.0.0.1:0"
  token: ${JSON.stringify(TOKEN)}
`;
    const config = parseChannel(yaml, join(dir, "pagetest.yaml"), {});
    daemon = await startDaemon(config, silentLogger(), systemClock);
    if (skip) return;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      timeout: 30_000,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(10_000);
    page.on("pageerror", (err) => pageErrors.push(String(err)));
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.accept(TOKEN);
    });
  },
  { timeout: 60_000 },
);

after(
  async () => {
    await browser?.close().catch(() => undefined);
    await daemon?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  },
  { timeout: 30_000 },
);

void test(
  "the page shows the channel and main as the active input, live",
  { skip, timeout: 30_000 },
  async () => {
    await page.goto(`${daemon!.url}/`, { waitUntil: "domcontentloaded" });
    await page.locator("#channel", { hasText: "pagetest" }).waitFor();
    await page.locator("#active", { hasText: /^main$/ }).waitFor();
    assert.equal(await page.locator('.input[data-input="main"]').getAttribute("aria-current"), "true");
    assert.match(
      (await page.locator('.input[data-input="main"]').getAttribute("class")) ?? "",
      /\bis-active\b/,
    );
    assert.equal(await page.locator("#preferred").textContent(), "none (priority order)");
    assert.equal(await page.locator(".input").count(), 3);
    // Each card shows its kind's facts: the tone's frequency, the SRT link.
    await page.locator('.input[data-input="backup"] .fact', { hasText: "660 Hz" }).waitFor();
    const studio = page.locator('.input[data-input="studio"]');
    await studio.locator(".badge", { hasText: /^listening$/ }).waitFor();
    assert.equal(await studio.locator(".fact dt", { hasText: "SRT peer" }).count(), 1);
    assert.equal(await page.locator('.input[data-input="main"] .fact dt', { hasText: "SRT" }).count(), 0);
    // Levels arrive with the periodic status events: a -18 dBFS tone shows a moving meter.
    await waitUntil("main's level on the page", 10_000, async () => {
      const text = (await page.locator('.input[data-input="main"] .fact dd').first().textContent()) ?? "";
      const rms = parseFloat(text);
      return Number.isFinite(rms) && rms > -30 && rms < -10;
    });
    await page.locator("#conn", { hasText: "live" }).waitFor();
    // The HLS player is wired to the master playlist.
    await page.locator("#player-state", { hasText: "/hls/pagetest.m3u8" }).waitFor();
    assert.equal(await page.locator("audio#player").count(), 1);
  },
);

void test(
  "switch to backup asks for the token once, then the page and the API agree",
  { skip, timeout: 30_000 },
  async () => {
    await page.getByRole("button", { name: "Switch to backup" }).click();
    await page.locator("#active", { hasText: /^backup$/ }).waitFor({ timeout: 5000 });
    await page.locator("#preferred", { hasText: /^backup$/ }).waitFor({ timeout: 5000 });
    assert.equal(dialogs.length, 1, "one token prompt");
    assert.equal(await page.evaluate(() => localStorage.getItem("antenne.apiToken")), TOKEN);
    assert.match(
      (await page.locator('.input[data-input="backup"]').getAttribute("class")) ?? "",
      /\bis-active\b/,
    );
    const s = await apiStatus();
    assert.equal(s.active, "backup");
    assert.equal(s.preferred, "backup");
    // The switch event reaches the log through the events stream.
    await page
      .locator("#switch-log li", { hasText: "main → backup" })
      .filter({ hasText: "manual" })
      .waitFor();
  },
);

void test("a screenshot of the page is a non-empty PNG", { skip, timeout: 30_000 }, async () => {
  const file = join(dir, "status-page.png");
  await page.screenshot({ path: file, fullPage: true });
  const png = await readFile(file);
  assert.ok(png.length > 1000, `PNG of ${png.length} bytes`);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  // To look at it: ANTENNE_KEEP_SCREENSHOT=/tmp/page.png
  const keep = process.env.ANTENNE_KEEP_SCREENSHOT;
  if (keep) await copyFile(file, keep);
});

void test("clear preference uses the stored token and main returns", { skip, timeout: 30_000 }, async () => {
  await page.getByRole("button", { name: "Clear preference" }).click();
  await page.locator("#preferred", { hasText: "none" }).waitFor({ timeout: 5000 });
  // returnDelaySec is 1: back to the first input in priority order.
  await page.locator("#active", { hasText: /^main$/ }).waitFor({ timeout: 8000 });
  assert.equal(dialogs.length, 1, "no second prompt: the token came from localStorage");
  const s = await apiStatus();
  assert.equal(s.preferred, null);
  assert.equal(s.active, "main");
  await page.locator("#switch-log li", { hasText: "backup → main" }).waitFor();
});

void test("a 409 shows the server's reason as text", { skip, timeout: 30_000 }, async () => {
  const reason = 'input "backup" is not available: <img src=x onerror="window.__xss=1">';
  await page.route("**/api/v1/switch", (route) =>
    route.fulfill({
      status: 409,
      contentType: "application/json",
      body: JSON.stringify({ statusCode: 409, error: "Conflict", message: reason }),
    }),
  );
  try {
    await page.getByRole("button", { name: "Switch to backup" }).click();
    await page.locator("#message.message-error #message-text", { hasText: "(409)" }).waitFor();
    assert.equal(await page.locator("#message-text").textContent(), `${reason} (409)`);
    assert.equal(await page.locator("#message img").count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
    assert.equal((await apiStatus()).active, "main");
  } finally {
    await page.unroute("**/api/v1/switch");
  }
});

void test("a rejected stored token is asked for again, once", { skip, timeout: 30_000 }, async () => {
  await page.evaluate(() => localStorage.setItem("antenne.apiToken", "stale-token"));
  await page.getByRole("button", { name: "Switch to backup" }).click();
  await page.locator("#active", { hasText: /^backup$/ }).waitFor({ timeout: 5000 });
  assert.equal(dialogs.length, 2);
  assert.match(dialogs[1]!, /rejected/);
  assert.equal(await page.evaluate(() => localStorage.getItem("antenne.apiToken")), TOKEN);
  const s = await apiStatus();
  assert.equal(s.active, "backup");
  assert.equal(s.preferred, "backup");
});

void test(
  "a caller with a wrong passphrase appears in the problem list, as text",
  { skip, timeout: 30_000 },
  async () => {
    assert.equal(await page.locator("#problems li.problem").count(), 0, "no problem before");
    const url = `srt://127.0.0.1:${srtPort}?mode=caller&latency=120000&passphrase=not-the-secret-9`;
    const args = [
      "-nostdin",
      "-loglevel",
      "error",
      "-re",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=440:sample_rate=48000",
    ];
    const caller = new Background("ffmpeg", [...args, "-c:a", "aac", "-f", "mpegts", url], 20_000);
    try {
      const item = page.locator('#problems li.problem[data-code="ANTENNE_SRT_REJECTED_PASSPHRASE"]').first();
      await item.waitFor({ timeout: 10_000 });
      assert.equal(await item.locator(".problem-where").textContent(), "input studio");
      assert.equal(
        await item.locator(".problem-message").textContent(),
        "SRT caller rejected: wrong or missing passphrase",
      );
      assert.match((await item.locator("time").getAttribute("datetime")) ?? "", /^\d{4}-\d\d-\d\dT/);
    } finally {
      await caller.stop();
    }
    assert.ok((await page.locator("#problems li.problem").count()) <= 5, "the last five at most");
    assert.equal((await apiStatus()).active, "backup", "nothing switched");
  },
);

void test("the HLS player plays the channel's master playlist", { skip, timeout: 40_000 }, async () => {
  // Muted, so no autoplay policy gets in the way; the clock only runs when segments decode.
  await page.locator("audio#player").evaluate((a: HTMLAudioElement) => {
    a.muted = true;
    void a.play();
  });
  await waitUntil("the audio element to play", 30_000, () =>
    page
      .locator("audio#player")
      .evaluate((a: HTMLAudioElement) => a.currentTime > 1 && !a.paused && !a.error),
  );
  await page.locator("#player-state", { hasText: "playing /hls/pagetest.m3u8" }).waitFor();
  assert.deepEqual(pageErrors, [], "no uncaught errors in the page");
});

void test("the page's modules are served by exact name; nothing else in or beside the folder is", async () => {
  const modules = readdirSync(STATIC).filter((f) => f.endsWith(".js"));
  assert.ok(modules.includes("main.js") && modules.length >= 7, modules.join(", "));
  const html = await (await fetch(`${daemon!.url}/`)).text();
  assert.match(html, /<script type="module" src="\/static\/main\.js"><\/script>/);
  for (const m of modules) {
    // Every module is checked by tsc against the server's types (npm run typecheck).
    assert.match(readFileSync(join(STATIC, m), "utf8"), /^\/\/ @ts-check\n/, m);
    const res = await fetch(`${daemon!.url}/static/${m}`);
    assert.equal(res.status, 200, m);
    assert.equal(res.headers.get("content-type"), "text/javascript; charset=utf-8", m);
    assert.equal(await res.text(), readFileSync(join(STATIC, m), "utf8"), m);
  }
  assert.equal(
    (await fetch(`${daemon!.url}/static/style.css`)).headers.get("content-type"),
    "text/css; charset=utf-8",
  );
  // Raw request paths (fetch would normalize the dots away before they reach the server).
  const raw = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const u = new URL(daemon!.url);
      get({ host: u.hostname, port: u.port, path, timeout: 3000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on("error", reject);
    });
  const bad = [
    "index.html",
    "..%2Fserver.js",
    "../page.js",
    "%2e%2e%2fpage.js",
    "Main.js",
    "main.js.map",
    "nope.js",
  ];
  for (const b of bad) assert.equal(await raw(`/static/${b}`), 404, b);
  assert.equal(await raw("/static/main.js"), 200);
});
