/**
 * hls.js (the version the status page ships) playing an HLS URL in headless Chromium, at its
 * default settings, with what it plays captured sample by sample: an <audio> element feeds an
 * AudioWorklet through a MediaElementAudioSourceNode, and the test pulls the samples (mono,
 * at the page's AudioContext rate) together with hls.js's error events, the fragments it
 * loaded and the element's `waiting` events. The page comes from a loopback HTTP server of its
 * own: Chromium lets a loopback page fetch from loopback (the stream), not a page from nowhere.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

const PLAYER_HTML = `<!doctype html><html><body><audio id="a"></audio><script src="hls.min.js"></script><script>
window.captured = []; window.events = []; window.loaded = [];
const log = (e) => window.events.push(Object.assign({ t: performance.now() }, e));
window.start = async (url) => {
  const ctx = new AudioContext({ sampleRate: 48000 });
  const code = "class Cap extends AudioWorkletProcessor { process(i) { const c = i[0] && i[0][0];" +
    " if (c) this.port.postMessage(c.slice(0)); return true; } } registerProcessor('cap', Cap);";
  await ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([code], { type: "application/javascript" })));
  const audio = document.getElementById("a");
  const node = new AudioWorkletNode(ctx, "cap");
  node.port.onmessage = (e) => { if (window.playing) window.captured.push(e.data); };
  ctx.createMediaElementSource(audio).connect(node);
  node.connect(ctx.destination);
  audio.addEventListener("waiting", () => log({ kind: "waiting", time: audio.currentTime }));
  audio.addEventListener("playing", () => { window.playing = true; log({ kind: "playing", time: audio.currentTime }); });
  const hls = new Hls();
  hls.on(Hls.Events.ERROR, (_e, d) => log({ kind: "error", type: d.type, details: d.details, fatal: d.fatal,
    code: d.response && d.response.code, url: d.frag ? d.frag.relurl : d.url }));
  hls.on(Hls.Events.FRAG_LOADED, (_e, d) => window.loaded.push(d.frag.sn));
  hls.loadSource(url);
  hls.attachMedia(audio);
  // Not awaited: play() settles only once media flows, which is the test's to wait for.
  ctx.resume().catch((err) => log({ kind: "resume-rejected", message: String(err) }));
  audio.play().catch((err) => log({ kind: "play-rejected", message: String(err) }));
};
window.drain = () => {
  const chunks = window.captured; window.captured = [];
  let n = 0; for (const c of chunks) n += c.length;
  const out = new Int16Array(n); let o = 0;
  for (const c of chunks) for (let i = 0; i < c.length; i++) out[o++] = Math.max(-32768, Math.min(32767, Math.round(c[i] * 32767)));
  let s = ""; const b = new Uint8Array(out.buffer);
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
  const events = window.events; window.events = [];
  const loaded = window.loaded; window.loaded = [];
  return { pcm: btoa(s), events, loaded, time: document.getElementById("a").currentTime };
};
</script></body></html>`;

export interface PlayerEvent {
  t: number;
  kind: string;
  type?: string;
  details?: string;
  fatal?: boolean;
  code?: number;
  url?: string;
  time?: number;
}

export class HlsJsClient {
  /** Captured mono samples at 48 kHz, in play order. */
  readonly chunks: Float32Array[] = [];
  readonly events: PlayerEvent[] = [];
  readonly loaded: number[] = [];
  currentTime = 0;

  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
    private readonly server: http.Server,
  ) {}

  static async open(url: string): Promise<HlsJsClient> {
    const hlsJs = readFileSync(createRequire(import.meta.url).resolve("hls.js/dist/hls.min.js"), "utf8");
    const server = http.createServer((req, res) => {
      const js = req.url?.endsWith("hls.min.js");
      res.writeHead(200, { "content-type": js ? "application/javascript" : "text/html" });
      res.end(js ? hlsJs : PLAYER_HTML);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      timeout: 30_000,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"],
    });
    const page = await browser.newPage();
    await page.goto(`${origin}/player.html`);
    await page.evaluate((u) => (window as unknown as { start(u: string): Promise<void> }).start(u), url);
    return new HlsJsClient(browser, page, server);
  }

  /** Pulls what was played since the last call. */
  async pull(): Promise<void> {
    const r = await this.page.evaluate(() =>
      (
        window as unknown as {
          drain(): { pcm: string; events: PlayerEvent[]; loaded: number[]; time: number };
        }
      ).drain(),
    );
    const bytes = Buffer.from(r.pcm, "base64");
    const pcm = new Float32Array(bytes.length / 2);
    for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(i * 2) / 32767;
    this.chunks.push(pcm);
    this.events.push(...r.events);
    this.loaded.push(...r.loaded);
    this.currentTime = r.time;
  }

  pcm(): Float32Array {
    const n = this.chunks.reduce((s, c) => s + c.length, 0);
    const out = new Float32Array(n);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }

  errors(): PlayerEvent[] {
    return this.events.filter((e) => e.kind === "error");
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
