import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { channelSchema, type ChannelConfigRaw, type IcecastConfigRaw } from "./schema.js";

/** One problem in a channel file, printed as `FILE:LINE:COL: key.path: message`. */
export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "ConfigError";
  }
}

export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.col}: ${i.path || "(root)"}: ${i.message}`;
}

export interface IcecastConfig extends Omit<IcecastConfigRaw, "id"> {
  id: string;
  mount: string;
}

/** A validated channel with every path absolute and every default filled in. */
export interface ChannelConfig extends Omit<ChannelConfigRaw, "outputs"> {
  file: string;
  outputs: { hls: ChannelConfigRaw["outputs"]["hls"]; icecast: IcecastConfig[] };
}

type Env = Record<string, string | undefined>;
const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}/g;

export function loadChannelFile(file: string, env: Env = process.env): ChannelConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError([
      { file, line: 1, col: 1, path: "", message: `cannot read file: ${(err as Error).message}` },
    ]);
  }
  return parseChannel(text, file, env);
}

export function parseChannel(text: string, file: string, env: Env = process.env): ChannelConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, path: string, message: string): ConfigIssue => {
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col, path, message };
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => at(e.pos[0], "", e.message.split("\n")[0] ?? e.message)));
  }
  const envIssues: ConfigIssue[] = [];
  interpolate(doc.contents, [], env, (node, path, msg) =>
    envIssues.push(at(node.range?.[0] ?? 0, path, msg)),
  );
  if (envIssues.length > 0) throw new ConfigError(envIssues);

  const result = channelSchema.safeParse(doc.toJS());
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((iss) => {
        const path = iss.path.map(String);
        // An unknown key is reported at the key itself, not at its parent map.
        const keys = iss.code === "unrecognized_keys" ? iss.keys : [];
        const node = locate(doc, path, keys[0]);
        const msg =
          keys.length > 0
            ? `unknown key${keys.length > 1 ? "s" : ""} ${keys.map((k) => `"${k}"`).join(", ")}`
            : iss.message;
        const fullPath = keys.length === 1 ? [...path, keys[0]!] : path;
        return at(node?.range?.[0] ?? 0, fullPath.join("."), msg);
      }),
    );
  }
  const cfg = result.data;
  const cross = crossCheck(cfg);
  if (cross.length > 0) {
    throw new ConfigError(
      cross.map(([path, msg]) => at(locate(doc, path.split("."))?.range?.[0] ?? 0, path, msg)),
    );
  }
  return resolveChannel(cfg, file);
}

function interpolate(
  node: unknown,
  path: string[],
  env: Env,
  fail: (node: Node, path: string, msg: string) => void,
): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "?";
      interpolate(pair.value, [...path, key], env, fail);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => interpolate(item, [...path, String(i)], env, fail));
  } else if (isScalar(node) && typeof node.value === "string" && node.value.includes("${")) {
    const raw = node.value;
    const out = raw.replace(
      VAR,
      (_m, name: string, hasDefault: string | undefined, def: string | undefined) => {
        const v = env[name];
        if (v !== undefined && v !== "") return v;
        if (hasDefault !== undefined) return def ?? "";
        if (v === "") return "";
        fail(
          node,
          path.join("."),
          `environment variable ${name} is not set (use \${${name}:-default} for a default)`,
        );
        return "";
      },
    );
    // A plain scalar that was only a variable takes the type its value reads as.
    const whole = /^\$\{[^}]+\}$/.test(raw) && node.type === "PLAIN";
    if (whole && /^-?\d+(\.\d+)?$/.test(out)) node.value = Number(out);
    else if (whole && (out === "true" || out === "false")) node.value = out === "true";
    else node.value = out;
  }
}

function locate(doc: Document, path: string[], key?: string): Node | undefined {
  const segs: (string | number)[] = path.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  for (let n = segs.length; n >= 0; n--) {
    const target = doc.getIn(segs.slice(0, n), true) as unknown;
    if (n === segs.length && key !== undefined && isMap(target)) {
      const pair = target.items.find((it) => isScalar(it.key) && it.key.value === key);
      if (pair && isScalar(pair.key)) return pair.key;
    }
    if (n < segs.length && isMap(target)) {
      const next = segs[n];
      const pair = target.items.find((it) => isScalar(it.key) && it.key.value === next);
      if (pair && isScalar(pair.key)) return pair.key;
    }
    if (target && typeof target === "object" && "range" in target) return target as Node;
  }
  return undefined;
}

function crossCheck(cfg: ChannelConfigRaw): [string, string][] {
  const out: [string, string][] = [];
  const seen = new Map<string, number>();
  const binds = new Map<string, number>();
  cfg.inputs.forEach((inp, i) => {
    if (seen.has(inp.id))
      out.push([`inputs.${i}.id`, `duplicate input id "${inp.id}" (also inputs.${seen.get(inp.id)})`]);
    seen.set(inp.id, i);
    if ("srt" in inp && inp.srt.mode === "listener") {
      const port = inp.srt.bind.slice(inp.srt.bind.lastIndexOf(":") + 1);
      if (binds.has(port))
        out.push([`inputs.${i}.srt.bind`, `port ${port} is already bound by inputs.${binds.get(port)}`]);
      binds.set(port, i);
    }
  });
  const profiles = Object.keys(cfg.profiles);
  const hls = cfg.outputs.hls;
  hls?.profiles.forEach((p, i) => {
    if (!profiles.includes(p))
      out.push([
        `outputs.hls.profiles.${i}`,
        `unknown profile "${p}" (defined: ${profiles.join(", ") || "none"})`,
      ]);
  });
  if (hls && new Set(hls.profiles).size !== hls.profiles.length)
    out.push(["outputs.hls.profiles", "a profile is listed twice"]);
  const iceIds = new Set<string>();
  cfg.outputs.icecast.forEach((ice, i) => {
    if (!profiles.includes(ice.profile))
      out.push([
        `outputs.icecast.${i}.profile`,
        `unknown profile "${ice.profile}" (defined: ${profiles.join(", ") || "none"})`,
      ]);
    const oid = icecastId(ice);
    if (oid === "hls" || iceIds.has(oid)) out.push([`outputs.icecast.${i}`, `duplicate output id "${oid}"`]);
    iceIds.add(oid);
  });
  return out;
}

function mountOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  } catch {
    return url;
  }
}

function icecastId(ice: IcecastConfigRaw): string {
  return ice.id ?? mountOf(ice.url);
}

function resolveChannel(cfg: ChannelConfigRaw, file: string): ChannelConfig {
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  return {
    ...cfg,
    file: resolve(file),
    inputs: cfg.inputs.map((inp) => ("file" in inp ? { ...inp, file: { path: abs(inp.file.path) } } : inp)),
    switcher: {
      ...cfg.switcher,
      statePath: cfg.switcher.statePath === null ? null : abs(cfg.switcher.statePath),
    },
    outputs: {
      hls: cfg.outputs.hls ? { ...cfg.outputs.hls, dir: abs(cfg.outputs.hls.dir) } : null,
      icecast: cfg.outputs.icecast.map((ice) => ({
        ...ice,
        id: icecastId(ice),
        mount: "/" + mountOf(ice.url),
      })),
    },
  };
}
