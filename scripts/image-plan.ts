/**
 * The Dockerfile read as a plan: its stages and, for the final stage, everything the image is
 * (copies, writable directories, packages, user, environment, entrypoint, health check, stop
 * signal). scripts/assemble-image.ts builds the image's file system from this plan and the tests
 * assert the rules on it, so the Dockerfile, the assembler and the tests cannot drift apart: an
 * instruction this reader does not know is an error, not something skipped.
 */
import dockerfileAst from "dockerfile-ast";
import type { Copy, Entrypoint, Env, From, Instruction, JSONInstruction } from "dockerfile-ast";

const { DockerfileParser } = dockerfileAst;

export interface CopyStep {
  /** The stage copied from; null for the build context. */
  from: string | null;
  sources: string[];
  dest: string;
}

export type Step =
  | { kind: "workdir"; path: string }
  | { kind: "copy"; copy: CopyStep }
  | { kind: "run"; command: string }
  | { kind: "env"; vars: Record<string, string> };

export interface Stage {
  name: string | null;
  image: string;
  steps: Step[];
  /** Image settings (USER, VOLUME, EXPOSE, STOPSIGNAL, HEALTHCHECK, ENTRYPOINT, CMD). */
  settings: Instruction[];
}

/** A directory the final stage's RUN creates with `install -d`. */
export interface MadeDir {
  path: string;
  owner: string | null;
  mode: string | null;
}

/** What the final stage's RUN sets up on the system: packages, a user, directories. */
export interface SystemSetup {
  packages: string[];
  user: { name: string; uid: number; gid: number } | null;
  dirs: MadeDir[];
}

export interface ImageSpec {
  stages: Stage[];
  final: Stage;
  system: SystemSetup;
  workdir: string;
  env: Record<string, string>;
  /** As written in USER: "10001:10001". */
  user: string | null;
  volumes: string[];
  expose: string[];
  stopSignal: string | null;
  healthcheck: { flags: Record<string, string>; cmd: string[] } | null;
  entrypoint: string[];
  cmd: string[];
}

const jsonArgs = (i: Instruction): string[] =>
  (i as JSONInstruction).getJSONStrings().map((a) => a.getJSONValue());
const args = (i: Instruction): string[] => i.getArguments().map((a) => a.getValue());
const lineOf = (i: Instruction) => `Dockerfile:${i.getRange().start.line + 1}`;

function copyStep(i: Copy): CopyStep {
  const flags = i.getFlags();
  for (const f of flags)
    if (f.getName() !== "from") throw new Error(`${lineOf(i)}: COPY --${f.getName()} is not supported here`);
  const parts = jsonArgs(i).length > 0 ? jsonArgs(i) : args(i);
  if (parts.length < 2) throw new Error(`${lineOf(i)}: COPY needs a source and a destination`);
  return { from: i.getFromFlag()?.getValue() ?? null, sources: parts.slice(0, -1), dest: parts.at(-1)! };
}

const SETTINGS = ["USER", "VOLUME", "EXPOSE", "STOPSIGNAL", "HEALTHCHECK", "ENTRYPOINT", "CMD"];

/** The stages in order; an instruction outside a stage or of an unknown kind is an error. */
export function parseStages(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const i of DockerfileParser.parse(text).getInstructions()) {
    const k = i.getKeyword();
    if (k === "FROM") {
      stages.push({ name: (i as From).getBuildStage(), image: args(i)[0] ?? "", steps: [], settings: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${lineOf(i)}: ${k} before FROM`);
    if (k === "WORKDIR") stage.steps.push({ kind: "workdir", path: args(i)[0] ?? "" });
    else if (k === "COPY") stage.steps.push({ kind: "copy", copy: copyStep(i as Copy) });
    else if (k === "RUN") stage.steps.push({ kind: "run", command: i.getArgumentsContent() ?? "" });
    else if (k === "ENV") {
      const vars: Record<string, string> = {};
      for (const p of (i as Env).getProperties()) vars[p.getName()] = p.getValue() ?? "";
      stage.steps.push({ kind: "env", vars });
    } else if (SETTINGS.includes(k)) stage.settings.push(i);
    else throw new Error(`${lineOf(i)}: ${k} is not supported by scripts/image-plan.ts`);
  }
  return stages;
}

/**
 * The final stage's RUN, command by command: apt-get (packages), groupadd/useradd (the user),
 * `install -d` (directories), rm of the apt lists. Anything else cannot be reproduced.
 */
export function parseSystemSetup(commands: string[]): SystemSetup {
  const setup: SystemSetup = { packages: [], user: null, dirs: [] };
  let gid: number | null = null;
  for (const cmd of commands.flatMap((c) => c.split("&&")).map((c) => c.trim().split(/\s+/))) {
    const [prog, ...rest] = cmd;
    const opt = (name: string) => {
      const at = rest.indexOf(name);
      return at >= 0 ? (rest[at + 1] ?? null) : null;
    };
    if (prog === "apt-get" && rest[0] === "update") continue;
    if (prog === "apt-get" && rest[0] === "install")
      setup.packages.push(...rest.slice(1).filter((a) => !a.startsWith("-")));
    else if (prog === "rm" && rest.join(" ") === "-rf /var/lib/apt/lists/*") continue;
    else if (prog === "groupadd") gid = Number(opt("--gid"));
    else if (prog === "useradd")
      setup.user = { name: rest.at(-1) ?? "", uid: Number(opt("--uid")), gid: gid ?? Number(opt("--gid")) };
    else if (prog === "install" && rest.includes("-d")) {
      const valued = new Set(["-o", "-g", "-m"]);
      const paths = rest.filter((a, n) => !a.startsWith("-") && !valued.has(rest[n - 1] ?? ""));
      for (const path of paths) setup.dirs.push({ path, owner: opt("-o"), mode: opt("-m") });
    } else
      throw new Error(`the final stage runs "${cmd.join(" ")}": scripts/image-plan.ts cannot reproduce it`);
  }
  return setup;
}

function healthcheckOf(i: Instruction): ImageSpec["healthcheck"] {
  const content = i.getArgumentsContent() ?? "";
  const m = /(?:^|\s)CMD\s+(\[.*\])\s*$/s.exec(content);
  if (!m) throw new Error(`${lineOf(i)}: HEALTHCHECK must be CMD ["exec", "form"]`);
  const flags: Record<string, string> = {};
  for (const f of (i as Entrypoint).getFlags()) flags[f.getName()] = f.getValue() ?? "";
  return { flags, cmd: JSON.parse(m[1]!) as string[] };
}

export function readImageSpec(text: string): ImageSpec {
  const stages = parseStages(text);
  const final = stages.at(-1);
  if (!final) throw new Error("the Dockerfile has no FROM");
  const spec: ImageSpec = {
    stages,
    final,
    system: parseSystemSetup(final.steps.flatMap((s) => (s.kind === "run" ? [s.command] : []))),
    workdir: "/",
    env: {},
    user: null,
    volumes: [],
    expose: [],
    stopSignal: null,
    healthcheck: null,
    entrypoint: [],
    cmd: [],
  };
  for (const s of final.steps) {
    if (s.kind === "workdir") spec.workdir = s.path;
    if (s.kind === "env") Object.assign(spec.env, s.vars);
  }
  for (const i of final.settings) {
    const k = i.getKeyword();
    if (k === "USER") spec.user = args(i)[0] ?? null;
    else if (k === "VOLUME") spec.volumes.push(...(jsonArgs(i).length > 0 ? jsonArgs(i) : args(i)));
    else if (k === "EXPOSE") spec.expose.push(...args(i));
    else if (k === "STOPSIGNAL") spec.stopSignal = args(i)[0] ?? null;
    else if (k === "HEALTHCHECK") spec.healthcheck = healthcheckOf(i);
    else if (k === "ENTRYPOINT") spec.entrypoint = jsonArgs(i);
    else if (k === "CMD") spec.cmd = jsonArgs(i);
  }
  return spec;
}
