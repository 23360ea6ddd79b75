/**
 * Assembles the file system of the Dockerfile's final stage into a directory, without a Docker
 * engine: the stages it copies from are built in a scratch directory by running their RUN
 * commands, the final stage's COPYs are applied in order, and the directories its RUN creates
 * are made with the same mode and owner. The final stage's system packages (apt-get) are not
 * reproduced: they are the host's, and the manifest lists them so a caller can check.
 *
 *   node dist/scripts/assemble-image.js OUT_DIR [CONTEXT_DIR]
 *
 * prints the manifest (entrypoint, cmd, env, user, health check …) as JSON on stdout.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { contextFilter, copyInto, inRoot, makeDir } from "./image-fs.js";
import { readImageSpec, type ImageSpec, type Stage } from "./image-plan.js";

export interface ImageManifest {
  /** The directory that stands for the image's "/". */
  root: string;
  baseImage: string;
  workdir: string;
  env: Record<string, string>;
  /** USER of the final stage, numeric. */
  runAs: { uid: number; gid: number };
  entrypoint: string[];
  cmd: string[];
  healthcheck: string[] | null;
  stopSignal: string;
  volumes: string[];
  packages: string[];
}

interface Build {
  spec: ImageSpec;
  context: string;
  allowed: (path: string) => boolean;
  /** Where each built stage's "/" is. */
  stageRoots: Map<string, string>;
  scratch: string;
}

/** Applies a stage's steps inside `root`; RUN only where `runCommands` (not in the final stage). */
function applyStage(stage: Stage, root: string, b: Build, runCommands: boolean): void {
  let workdir = "/";
  const env: Record<string, string> = {};
  for (const step of stage.steps) {
    if (step.kind === "workdir") {
      workdir = step.path;
      makeDir(inRoot(root, "/", workdir), null);
    } else if (step.kind === "env") Object.assign(env, step.vars);
    else if (step.kind === "copy") {
      const { from, sources, dest } = step.copy;
      const srcRoot = from === null ? b.context : stageRoot(from, b);
      if (from === null)
        for (const s of sources) if (!b.allowed(s)) throw new Error(`COPY ${s}: excluded by .dockerignore`);
      const paths = sources.map((s) => (from === null ? join(srcRoot, s) : inRoot(srcRoot, "/", s)));
      copyInto(paths, inRoot(root, workdir, dest), dest.endsWith("/") || sources.length > 1);
    } else if (runCommands) run(step.command, inRoot(root, "/", workdir), env);
  }
}

function run(command: string, cwd: string, env: Record<string, string>): void {
  process.stderr.write(`assemble-image: RUN ${command}\n`);
  const r = spawnSync("sh", ["-c", command], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", 2, 2],
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`RUN ${command} failed (${r.error?.message ?? `exit ${r.status}`})`);
}

/** The named stage's file system, built once. */
function stageRoot(name: string, b: Build): string {
  const built = b.stageRoots.get(name);
  if (built) return built;
  const stage = b.spec.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`COPY --from=${name}: no such stage`);
  const root = join(b.scratch, name);
  applyStage(stage, root, b, true);
  b.stageRoots.set(name, root);
  return root;
}

function numericUser(user: string | null): { uid: number; gid: number } {
  const m = /^(\d+):(\d+)$/.exec(user ?? "");
  if (!m) throw new Error(`USER must be numeric "uid:gid" (runAsNonRoot can check it), not ${user}`);
  return { uid: Number(m[1]), gid: Number(m[2]) };
}

/** The directories the final stage's RUN makes, owned as there when we may chown. */
function makeSystemDirs(spec: ImageSpec, root: string): void {
  const asRoot = process.getuid?.() === 0;
  for (const d of spec.system.dirs) {
    const path = inRoot(root, "/", d.path);
    makeDir(path, d.mode);
    const user = spec.system.user;
    if (asRoot && d.owner !== null && user && d.owner === user.name) chownSync(path, user.uid, user.gid);
  }
}

export function assembleImage(context: string, out: string): ImageManifest {
  const spec = readImageSpec(readFileSync(join(context, "Dockerfile"), "utf8"));
  makeDir(out, "0755");
  const scratch = mkdtempSync(join(dirname(resolve(out)), "stages-"));
  const b: Build = {
    context,
    allowed: contextFilter(context),
    stageRoots: new Map(),
    scratch,
    spec,
  };
  try {
    applyStage(spec.final, out, b, false);
    makeSystemDirs(spec, out);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  // The image's "/" is world-traversable; mkdtemp's 0700 would lock the run user out.
  chmodSync(out, 0o755);
  return {
    root: resolve(out),
    baseImage: spec.final.image,
    workdir: spec.workdir,
    env: spec.env,
    runAs: numericUser(spec.user),
    entrypoint: spec.entrypoint,
    cmd: spec.cmd,
    healthcheck: spec.healthcheck?.cmd ?? null,
    stopSignal: spec.stopSignal ?? "SIGTERM",
    volumes: spec.volumes,
    packages: spec.system.packages,
  };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const [out, context] = process.argv.slice(2);
  if (!out) {
    process.stderr.write("usage: node dist/scripts/assemble-image.js OUT_DIR [CONTEXT_DIR]\n");
    process.exit(2);
  }
  const repo = fileURLToPath(new URL("../../", import.meta.url));
  const manifest = assembleImage(resolve(context ?? repo), resolve(out));
  process.stdout.write(JSON.stringify(manifest, null, 2) + "\n");
}
