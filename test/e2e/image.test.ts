/**
 * The container image without an engine: scripts/assemble-image.ts builds the Dockerfile's final
 * stage into a directory (its stages run for real: npm ci, tsc, npm ci --omit=dev), and the
 * daemon runs FROM that directory exactly as the image's ENTRYPOINT + CMD say (tini, node and its
 * flags), as the image's USER when the test runs as root, with the image's environment. The
 * image's absolute paths are rooted at the directory; the apt-get layer is the host's (its
 * packages must be installed here). Checked: the file set, /healthz, /readyz, an HLS playlist,
 * the HEALTHCHECK command, and a clean stop on the STOPSIGNAL within 5 s.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { ImageManifest } from "../../scripts/assemble-image.js";
import { tempDir } from "../helpers/channel.js";
import { parseMaster, parseMedia } from "../helpers/m3u8.js";
import { freeTcpPort } from "../helpers/ports.js";
import { Background, run, until } from "../helpers/proc.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const ASSEMBLE = fileURLToPath(new URL("../../scripts/assemble-image.js", import.meta.url));
const asRoot = process.getuid?.() === 0;

const work = tempDir("antenne-image-");
// mkdtemp makes it 0700: the image's user must reach the root inside.
chmodSync(work, 0o755);
const root = join(work, "root");
let image: ImageManifest;

const installed = (pkg: string) =>
  spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" }).stdout.includes(
    "install ok installed",
  );

/** An absolute image path that exists in the assembled root, rooted there; else the host's. */
const inImage = (p: string) => (p.startsWith("/") && existsSync(join(root, p)) ? join(root, p) : p);

before(
  async () => {
    const r = await run("node", [ASSEMBLE, root, REPO], { timeoutMs: 600_000 });
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    image = JSON.parse(r.stdout.toString()) as ImageManifest;
  },
  { timeout: 620_000 },
);
after(() => rmSync(work, { recursive: true, force: true }));

test("the image holds dist/src, the page and the runtime dependencies: no tests, benches or dev tools", () => {
  assert.deepEqual(readdirSync(root).sort(), ["app", "etc", "var"]);
  const app = join(root, "app");
  assert.deepEqual(readdirSync(app).sort(), ["dist", "node_modules", "package.json", "src"]);
  assert.deepEqual(readdirSync(join(app, "dist")), ["src"]);
  assert.ok(existsSync(join(app, "dist/src/cli.js")) && existsSync(join(app, "dist/src/healthcheck.js")));
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
    );
  assert.deepEqual(
    walk(join(app, "dist")).filter((f) => !f.endsWith(".js")),
    [],
    "only compiled JS",
  );
  assert.deepEqual(readdirSync(join(app, "src")), ["api"]);
  assert.deepEqual(readdirSync(join(app, "src/api")), ["static"]);
  assert.deepEqual(
    readdirSync(join(app, "src/api/static")).sort(),
    readdirSync(join(REPO, "src/api/static")).sort(),
  );
  const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  for (const dep of Object.keys(pkg.dependencies)) assert.ok(existsSync(join(app, "node_modules", dep)), dep);
  // A dev dependency may be in the image only because a runtime dependency needs it too.
  const prodTree = spawnSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
    cwd: REPO,
    encoding: "utf8",
  });
  const prodPackages = new Set(
    prodTree.stdout.split("\n").map((l) => l.split("node_modules/").slice(1).join("node_modules/")),
  );
  for (const dev of Object.keys(pkg.devDependencies))
    assert.ok(
      !existsSync(join(app, "node_modules", dev)) || prodPackages.has(dev),
      `dev dependency ${dev} in the image`,
    );
  assert.ok(!existsSync(join(app, "node_modules", "typescript")), "no compiler in the image");
  const volume = statSync(join(root, "var/lib/antenne"));
  assert.equal(volume.mode & 0o777, 0o750);
  if (asRoot) assert.deepEqual([volume.uid, volume.gid], [image.runAs.uid, image.runAs.gid]);
  assert.ok(statSync(join(root, "etc/antenne")).isDirectory());
});

test("every module of dist/src loads with the image's node_modules alone (no dev dependency at run time)", async () => {
  const src = join(root, "app/dist/src");
  // Entry points run on import (cli.js, healthcheck.js, *-main.js); everything else only
  // defines. Entry points are loaded in the daemon and healthcheck tests below.
  const entry = (f: string) => f === "cli.js" || f === "healthcheck.js" || f.endsWith("-main.js");
  const files = readdirSync(src, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".js") && !entry(f))
    .map((f) => join(src, f));
  assert.ok(files.length > 50, `${files.length} modules`);
  const script = `for (const f of ${JSON.stringify(files)}) await import(f).catch((e) => { console.error(f, e.message); process.exitCode = 1; });`;
  const r = await run("node", ["--input-type=module", "-e", script], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
});

test("the daemon runs from the image as its user: healthz, readyz, HLS, HEALTHCHECK, clean stop within 5 s", async (t) => {
  const missing = image.packages.filter((p) => !installed(p));
  if (missing.length > 0)
    return t.skip(`the image's packages are not installed here: apt-get install ${missing.join(" ")}`);
  assert.equal(
    process.versions.node.split(".")[0],
    /^node:(\d+)/.exec(image.baseImage)?.[1],
    "node of the base image",
  );
  const port = await freeTcpPort();
  const volume = join(root, "var/lib/antenne");
  const channelFile = join(root, image.cmd[1] ?? "");
  writeFileSync(
    channelFile,
    `channel: tone
inputs:
  - id: tone
    tone: { frequencyHz: 1000 }
switcher: { statePath: ${volume}/state.json, silence: { minNoiseSec: 0.2 } }
profiles:
  midfi: { codec: aac, bitrate: 96k }
outputs:
  hls: { dir: ${volume}/hls, segmentSec: 2, windowSegments: 5, profiles: [midfi] }
api: { listen: "127.0.0.1:${port}" }
`,
  );
  // The image's environment only (plus PATH to the host's apt layer); tini as a subreaper
  // reaps like PID 1 does in the container.
  const env = Object.entries({ ...image.env, PATH: "/usr/local/bin:/usr/bin:/bin", TINI_SUBREAPER: "1" }).map(
    ([k, v]) => `${k}=${inImage(v)}`,
  );
  const asUser = (argv: string[]) => {
    const inEnv = ["env", "-i", "-C", join(root, image.workdir), ...env, ...argv.map(inImage)];
    const ids = [`--reuid=${image.runAs.uid}`, `--regid=${image.runAs.gid}`, "--clear-groups"];
    return asRoot
      ? { cmd: "setpriv", args: [...ids, "--", ...inEnv] }
      : { cmd: inEnv[0]!, args: inEnv.slice(1) };
  };
  const main = asUser([...image.entrypoint, ...image.cmd]);
  const daemon = new Background(main.cmd, main.args, 120_000);
  const api = `http://127.0.0.1:${port}`;
  const get = (path: string) => fetch(api + path, { signal: AbortSignal.timeout(3000) });
  const healthcheck = async () => {
    const hc = asUser(image.healthcheck ?? []);
    return (await run(hc.cmd, hc.args, { timeoutMs: 15_000 })).code;
  };
  let children: number[] = [];
  try {
    const answers = (path: string) => () =>
      daemon.child.exitCode !== null
        ? Promise.reject(
            new Error(`the daemon exited (${daemon.child.exitCode}): ${daemon.stderr.slice(-2000)}`),
          )
        : get(path).then(
            (r) => r.status === 200,
            () => false,
          );
    await until(answers("/healthz"), 20_000, "/healthz 200");
    await until(answers("/readyz"), 20_000, "/readyz 200");
    const master = parseMaster(await (await get("/hls/tone.m3u8")).text());
    assert.equal(master.variants.length, 1);
    const media = parseMedia(await (await get(`/hls/${master.variants[0]!.uri}`)).text());
    assert.ok(media.segments.length >= 1, "segments listed");
    assert.equal(await healthcheck(), 0, "HEALTHCHECK healthy");
    // The init process runs as the image's user, and what it writes in the volume is that user's.
    const uid = asRoot ? image.runAs.uid : process.getuid?.();
    assert.match(readFileSync(`/proc/${daemon.pid}/status`, "utf8"), new RegExp(`\\nUid:\\t${uid}\\t`));
    assert.equal(statSync(join(volume, "hls", "tone.m3u8")).uid, uid);
    children = descendants(daemon.pid);
    assert.ok(children.length >= 2, `node and its ffmpeg under tini (${children.length})`);
  } finally {
    const t0 = performance.now();
    daemon.child.kill(image.stopSignal as NodeJS.Signals);
    await Promise.race([daemon.wait(), new Promise((r) => setTimeout(r, 5000))]);
    const stopMs = performance.now() - t0;
    await daemon.stop("SIGKILL");
    t.diagnostic(`stopped by ${image.stopSignal} in ${Math.round(stopMs)} ms`);
    assert.ok(stopMs < 5000, `stopped in ${Math.round(stopMs)} ms`);
  }
  assert.equal(daemon.child.exitCode, 0, daemon.stderr.slice(-2000));
  assert.deepEqual(
    children.filter((pid) => existsSync(`/proc/${pid}`)),
    [],
    "no process left behind",
  );
  assert.equal(await healthcheck(), 1, "HEALTHCHECK unhealthy once stopped");
});

/** Every process below `pid` (children, grandchildren …), from /proc. */
function descendants(pid: number): number[] {
  const kids = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number),
  );
  return kids.flatMap((k) => [k, ...descendants(k)]);
}
