/**
 * The example fleet's rendered files, checked by the tools that will read them: promtool, amtool,
 * Grafana's published dashboard types, nginx -t, varnishd -C, bash -n, systemd-analyze. Host
 * names of the fleet (fip-a, antenne-listeners…) resolve to loopback inside a private mount
 * namespace for nginx and Varnish, which resolve upstreams at load time.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { parse } from "yaml";
import { renderExample, ROOT, runWithHosts, tempDir } from "../helpers/fleet.js";
import { run } from "../helpers/proc.js";

const { out, files, hosts: HOSTS } = renderExample();
after(() => rmSync(out, { recursive: true, force: true }));

test("promtool accepts prometheus.yml and the rule files; rule tests pass", async () => {
  const cfg = await run("promtool", ["check", "config", join(out, "prometheus/prometheus.yml")], {
    timeoutMs: 30_000,
  });
  assert.equal(cfg.code, 0, cfg.stdout.toString() + cfg.stderr);
  const rules = readdirSync(join(out, "prometheus/rules")).map((f) => join(out, "prometheus/rules", f));
  assert.ok(rules.length > 0);
  const r = await run("promtool", ["check", "rules", ...rules], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stdout.toString() + r.stderr);
  const testsDir = join(out, "prometheus/tests");
  const tests = existsSync(testsDir) ? readdirSync(testsDir).map((f) => join(testsDir, f)) : [];
  if (tests.length > 0) {
    // promtool resolves rule_files of a test relative to the test file.
    const t = await run("promtool", ["test", "rules", ...tests], { timeoutMs: 60_000 });
    assert.equal(t.code, 0, t.stdout.toString() + t.stderr);
  }
});

test("prometheus.yml scrapes every instance with channel/replica/instance labels, honor_labels", () => {
  const p = parse(files["prometheus/prometheus.yml"]!) as {
    scrape_configs: {
      job_name: string;
      honor_labels?: boolean;
      static_configs: { targets: string[]; labels?: Record<string, string> }[];
    }[];
  };
  const job = p.scrape_configs.find((j) => j.job_name === "antenne")!;
  assert.equal(job.honor_labels, true);
  assert.deepEqual(job.static_configs[1], {
    targets: ["fip-b:8080"],
    labels: { channel: "fip", replica: "b", instance: "fip-b" },
  });
  assert.equal(job.static_configs.length, 6);
  assert.ok(p.scrape_configs.some((j) => j.job_name === "antenne-listeners"));
});

test("amtool accepts alertmanager.yml", async () => {
  const r = await run("amtool", ["check-config", join(out, "alertmanager/alertmanager.yml")], {
    timeoutMs: 30_000,
  });
  assert.equal(r.code, 0, r.stdout.toString() + r.stderr);
});

/**
 * Dashboards are checked against Grafana's published TypeScript model (@grafana/schema's
 * `Dashboard`): each JSON becomes an object literal typed `Dashboard` and tsc compiles it
 * (excess-property and type checks). A known-bad dashboard proves the check can fail.
 */
/** JSON spells Grafana's TypeScript string enums as their values: the type, with enums as literals. */
const LOOSE = [
  'import type { Dashboard } from "@grafana/schema";',
  "type Loose<T> = T extends string ? `${T}` : T extends number | boolean | null | undefined ? T",
  "  : T extends (infer U)[] ? Loose<U>[] : T extends object ? { [K in keyof T]: Loose<T[K]> } : T;",
].join("\n");

async function tscDashboards(
  dashboards: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  const dir = join(ROOT, "var", `grafana-check-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const files = Object.entries(dashboards).map(([name, json], i) => {
      const f = join(dir, `d${i}.ts`);
      writeFileSync(f, `// ${name}\n${LOOSE}\nexport const d: Loose<Dashboard> = ${json};\n`);
      return f;
    });
    const args = [
      "--noEmit",
      "--strict",
      "--skipLibCheck",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
    ];
    const r = await run(join(ROOT, "node_modules/.bin/tsc"), [...args, "--target", "es2022", ...files], {
      timeoutMs: 120_000,
    });
    return { code: r.code, out: r.stdout.toString() + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("Grafana: provisioning YAML, and dashboards of Grafana's dashboard model", async () => {
  const ds = parse(files["grafana/provisioning/datasources/antenne.yml"]!) as {
    datasources: { uid: string; url: string }[];
  };
  assert.deepEqual(
    ds.datasources.map((d) => [d.uid, d.url]),
    [["prometheus", "http://prometheus:9090"]],
  );
  const prov = parse(files["grafana/provisioning/dashboards/antenne.yml"]!) as {
    providers: { options: { path: string } }[];
  };
  assert.equal(prov.providers[0]?.options.path, "/var/lib/grafana/dashboards/antenne");
  const dashboards = Object.fromEntries(
    Object.entries(files).filter(([p]) => p.startsWith("grafana/dashboards/")),
  );
  const bad = await tscDashboards({ "bad.json": '{ "title": "x", "notAGrafanaKey": 1 }' });
  assert.notEqual(bad.code, 0, "a broken dashboard must fail the check");
  if (Object.keys(dashboards).length === 0) return; // none rendered yet (src/monitoring stub)
  for (const [path, text] of Object.entries(dashboards)) assert.doesNotThrow(() => JSON.parse(text), path);
  const r = await tscDashboards(dashboards);
  assert.equal(r.code, 0, r.out);
});

test("nginx -t accepts the rendered HLS cache (fleet host names resolving)", async () => {
  const tmp = tempDir("antenne-nginx-");
  try {
    const r = await runWithHosts(
      HOSTS,
      "nginx",
      [
        "-t",
        "-c",
        join(out, "nginx/hls-cache.conf"),
        "-e",
        join(tmp, "error.log"),
        "-g",
        `pid ${tmp}/nginx.pid;`,
      ],
      { scratch: ["/var/cache"] },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /test is successful/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("varnishd -C compiles the rendered VCL", async () => {
  const tmp = tempDir("antenne-varnish-");
  chmodSync(tmp, 0o755); // varnishd compiles in it as its own user
  try {
    const r = await runWithHosts(HOSTS, "varnishd", ["-C", "-f", join(out, "varnish/hls.vcl"), "-n", tmp]);
    assert.equal(r.code, 0, r.stderr.slice(-3000));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("the rendered scripts are valid shell", async () => {
  const scripts = Object.keys(files).filter((p) => p.endsWith(".sh"));
  assert.equal(scripts.length, 8); // 6 senders, the safety files and sources
  for (const s of scripts) {
    const r = await run("bash", ["-n", join(out, s)], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, `${s}: ${r.stderr}`);
  }
});

test("systemd-analyze verify accepts the rendered units (instances, listeners, senders)", async () => {
  const tmp = tempDir("antenne-units-");
  try {
    const units = [
      ["systemd/antenne@.service", "antenne@fip-a.service"],
      ["systemd/antenne-listeners.service", "antenne-listeners.service"],
      ["systemd/antenne-icecast-safety.service", "antenne-icecast-safety.service"],
      ["senders/antenne-sender-fip-main.service", "antenne-sender-fip-main.service"],
    ];
    for (const [from, to] of units) writeFileSync(join(tmp, to!), files[from!]!);
    const r = await run("systemd-analyze", ["verify", ...units.map(([, to]) => join(tmp, to!))], {
      timeoutMs: 30_000,
    });
    // The sender's script is installed on the studio machine, not here: the only complaint allowed.
    const problems = r.stderr
      .split("\n")
      .filter(
        (l) =>
          l.trim() !== "" &&
          !/Command \/usr\/local\/lib\/antenne\/senders\/fip-main\.sh is not executable/.test(l),
      );
    assert.deepEqual(problems, []);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
