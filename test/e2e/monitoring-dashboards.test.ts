/**
 * The dashboards proven, not just rendered: a real Prometheus (Debian) scrapes two running
 * daemons of one channel (replicas a and b: an SRT input fed by ffmpeg, a tone as safety, HLS
 * pushed to a real nginx WebDAV origin, an Icecast mount on a real icecast2 with admin stats)
 * and the listeners service for about a minute, with the rendered alert rules loaded; then
 * EVERY panel query of both dashboards (variables substituted) must return data, and every
 * template variable must list its values. A failing panel is named with the metrics it uses.
 */
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { stringify } from "yaml";
import type { Daemon } from "../../src/daemon.js";
import { startListeners, type ListenersService } from "../../src/listeners/index.js";
import { silentLogger } from "../../src/log.js";
import {
  DEFAULT_THRESHOLDS,
  renderAlertRules,
  renderDashboards,
  type MonitoringOptions,
} from "../../src/monitoring/index.js";
import { startTestDaemon, tempDir } from "../helpers/channel.js";
import { IcecastServer } from "../helpers/icecast-server.js";
import { Nginx } from "../helpers/nginx.js";
import { freeTcpPort, freeUdpPort } from "../helpers/ports.js";
import { Background, until } from "../helpers/proc.js";
import { ffmpegTone } from "./srt-daemon-helpers.js";
import { kill } from "./srt-helpers.js";

const O: MonitoringOptions = {
  thresholds: DEFAULT_THRESHOLDS,
  job: "antenne",
  listenersJob: "antenne-listeners",
};
const CHANNEL = "mon";
const REPLICAS = ["a", "b"] as const;

const channelYaml = (r: string, srtPort: number, ice: IcecastServer, origin: string) => (apiPort: number) => `
channel: ${CHANNEL}
audio: { sampleRate: 48000, channels: 2 }
inputs:
  - id: studio
    srt: { mode: listener, bind: "127.0.0.1:${srtPort}", latencyMs: 120 }
  - id: safety
    tone: { frequencyHz: 440 }
switcher: { statePath: ./state-${r}.json, silence: { minNoiseSec: 0.2 } }
profiles:
  lofi: { codec: aac, bitrate: 32k }
outputs:
  hls:
    dir: ./hls-${r}
    segmentSec: 2
    windowSegments: 6
    profiles: [lofi]
    push: { url: "${origin}/${CHANNEL}-${r}/", method: PUT }
  icecast:
    - { id: lofi-aac, url: "${ice.sourceUrl(`${CHANNEL}-${r}.aac`)}", profile: lofi, admin: "${ice.adminUrl}" }
api: { listen: "127.0.0.1:${apiPort}" }
`;

interface PromResult {
  status: string;
  data: {
    result: { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[];
  };
  error?: string;
}

interface PanelJson {
  title: string;
  type: string;
  targets?: { expr: string; instant?: boolean }[];
}

/** Grafana's substitution for this test: the channel, both replicas, short rate windows. */
function substitute(expr: string): string {
  return expr
    .replaceAll("$channel", CHANNEL)
    .replaceAll("$replica", "a|b")
    .replaceAll("$__rate_interval", "10s")
    .replaceAll("$__range", "1m")
    .replaceAll("$__interval", "2s");
}

describe("dashboards against a real Prometheus scraping real daemons", { timeout: 300_000 }, () => {
  const dir = tempDir("antenne-mon-");
  const daemons: Daemon[] = [];
  const senders: ChildProcess[] = [];
  let ice: IcecastServer;
  let origin: Nginx;
  let listeners: ListenersService;
  let prom: Background;
  let promUrl = "";

  const api = async (path: string, params: Record<string, string>): Promise<PromResult> => {
    const r = await fetch(`${promUrl}${path}?${new URLSearchParams(params).toString()}`);
    return (await r.json()) as PromResult;
  };

  before(async () => {
    ice = await IcecastServer.start();
    origin = await Nginx.start({
      server: `location / { root ${join(dir, "origin")}; dav_methods PUT DELETE; create_full_put_path on; }`,
    });
    mkdirSync(join(dir, "origin"), { mode: 0o777 });
    for (const r of REPLICAS) {
      const srtPort = await freeUdpPort();
      daemons.push(await startTestDaemon(channelYaml(r, srtPort, ice, origin.url), dir));
      senders.push(ffmpegTone(`srt://127.0.0.1:${srtPort}?mode=caller&latency=120000`, 1000, "aac", 280_000));
    }
    listeners = await startListeners(
      {
        syslog: null,
        http: { host: "127.0.0.1", port: 0 },
        channels: [{ channel: CHANNEL, segmentSec: 2 }],
        icecast: [
          {
            name: "master",
            url: ice.baseUrl,
            adminUser: "admin",
            adminPassword: ice.password,
            mounts: REPLICAS.map((r) => ({ mount: `/${CHANNEL}-${r}.aac`, channel: CHANNEL })),
          },
        ],
        icecastPollMs: 1000,
      },
      silentLogger(),
    );
    const promDir = join(dir, "prometheus");
    mkdirSync(join(promDir, "rules"), { recursive: true });
    for (const [f, text] of Object.entries(renderAlertRules(O)))
      writeFileSync(join(promDir, "rules", f), text);
    const hostPort = (url: string) => new URL(url).host;
    const config = {
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      rule_files: [join(promDir, "rules", "*.yml")],
      scrape_configs: [
        {
          job_name: "antenne",
          honor_labels: true,
          static_configs: daemons.map((d, i) => ({
            targets: [hostPort(d.url)],
            labels: { channel: CHANNEL, replica: REPLICAS[i]!, instance: `${CHANNEL}-${REPLICAS[i]!}` },
          })),
        },
        {
          job_name: "antenne-listeners",
          honor_labels: true,
          static_configs: [{ targets: [hostPort(listeners.httpUrl)] }],
        },
      ],
    };
    writeFileSync(join(promDir, "prometheus.yml"), stringify(config));
    const port = await freeTcpPort();
    promUrl = `http://127.0.0.1:${port}`;
    prom = new Background(
      "prometheus",
      [
        `--config.file=${join(promDir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(promDir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      280_000,
    );
  });

  after(async () => {
    await prom?.stop();
    for (const s of senders) await kill(s);
    await listeners?.close();
    for (const d of daemons) await d.close();
    await origin?.dispose();
    await ice?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a minute of scrapes of both daemons and the listeners service, with the alert rules loaded", async () => {
    await until(
      async () => {
        const r = await api("/api/v1/query", { query: "min(count_over_time(up[1m]) and up == 1)" }).catch(
          () => null,
        );
        const v = Number(r?.data.result[0]?.value?.[1] ?? 0);
        return v >= 50;
      },
      150_000,
      `a minute of scrapes (prometheus stderr: ${prom.stderr.slice(-500)})`,
      2000,
    );
    const up = await api("/api/v1/query", { query: "up" });
    assert.equal(up.data.result.length, 3);
    const rules = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
      data: { groups: { name: string; rules: { health: string; name: string; lastError?: string }[] }[] };
    };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    assert.ok(loaded.length >= 20, `${loaded.length} rules loaded`);
    const unhealthy = loaded.filter((r) => r.health === "err");
    assert.deepEqual(unhealthy, [], "every rule evaluates");
  });

  test("the template variables list the channel and both replicas", async () => {
    const dash = JSON.parse(renderDashboards(O)["antenne-channel.json"]!) as {
      templating: { list: { name: string; query?: string }[] };
    };
    const expect: Record<string, string[]> = { channel: [CHANNEL], replica: ["a", "b"] };
    for (const v of dash.templating.list) {
      const m = /^label_values\((.*), (\w+)\)$/.exec(v.query ?? "");
      if (!m) continue;
      const r = await api(`/api/v1/label/${m[2]}/values`, { "match[]": substitute(m[1]!) });
      assert.deepEqual(r.data as unknown as string[], expect[v.name], v.name);
    }
  });

  test("every panel query of both dashboards returns data", async () => {
    const end = Date.now() / 1000;
    const failures: string[] = [];
    let checked = 0;
    for (const [file, text] of Object.entries(renderDashboards(O))) {
      const d = JSON.parse(text) as { panels: PanelJson[] };
      for (const p of d.panels) {
        for (const t of p.targets ?? []) {
          const query = substitute(t.expr);
          const r = t.instant
            ? await api("/api/v1/query", { query, time: String(end) })
            : await api("/api/v1/query_range", {
                query,
                start: String(end - 60),
                end: String(end),
                step: "2",
              });
          checked++;
          const points = r.data?.result.reduce((n, s) => n + (s.values?.length ?? (s.value ? 1 : 0)), 0) ?? 0;
          if (r.status !== "success" || points === 0) {
            const metrics = [...new Set(query.match(/\b(antenne_[a-z_]+|up)\b/g) ?? [])].join(", ");
            failures.push(`${file}: "${p.title}": ${query} → ${r.error ?? "no data"} (metrics: ${metrics})`);
          }
        }
      }
    }
    assert.ok(checked >= 35, `${checked} queries checked`);
    assert.deepEqual(failures, [], `panels without data:\n${failures.join("\n")}`);
  });
});
