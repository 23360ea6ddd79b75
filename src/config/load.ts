/**
 * Reads a channel file into a validated config. Every problem of a file is reported in one go:
 * unresolved variables, schema errors and cross-references (ids, profiles, ports, mounts, input
 * files), each at its line and column. `check` and `run` both load through here, so a file that
 * passes `check` is one `run` accepts.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { crossCheck, icecastId, mountOf, type PathIssue } from "./cross-check.js";
import { fileInputIssues, readableFile, type FileProbe } from "./file-check.js";
import { interpolate, type Env } from "./interpolate.js";
import { ConfigError, type ConfigIssue } from "./issues.js";
import { locate } from "./locate.js";
import { channelSchema, type ChannelConfigRaw, type IcecastConfigRaw } from "./schema.js";

export { ConfigError, formatIssue, type ConfigIssue } from "./issues.js";
export type { Env } from "./interpolate.js";
export type { FileProbe } from "./file-check.js";

export interface IcecastConfig extends Omit<IcecastConfigRaw, "id"> {
  id: string;
  mount: string;
}

/** A validated channel with every path absolute and every default filled in. */
export interface ChannelConfig extends Omit<ChannelConfigRaw, "outputs"> {
  file: string;
  outputs: { hls: ChannelConfigRaw["outputs"]["hls"]; icecast: IcecastConfig[] };
}

export function loadChannelFile(
  file: string,
  env: Env = process.env,
  probe: FileProbe = readableFile,
): ChannelConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError([
      { file, line: 1, col: 1, path: "", message: `cannot read file: ${(err as Error).message}` },
    ]);
  }
  return parseChannel(text, file, env, probe);
}

/** `probe` tells whether a file input's file can be read (the real file system by default). */
export function parseChannel(
  text: string,
  file: string,
  env: Env = process.env,
  probe: FileProbe = readableFile,
): ChannelConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, path: string, message: string): ConfigIssue => {
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col, path, message };
  };
  // Past a syntax error, positions and structure are guesses: report only those.
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => at(e.pos[0], "", e.message.split("\n")[0] ?? e.message)));
  }
  const issues: ConfigIssue[] = [];
  const envPaths = new Set<string>();
  interpolate(doc.contents, [], env, (node, path, msg) => {
    envPaths.add(path);
    issues.push(at(node.range?.[0] ?? 0, path, msg));
  });
  const raw: unknown = doc.toJS();
  const result = channelSchema.safeParse(raw);
  const found: Placed[] = [
    ...(result.success ? [] : schemaIssues(doc, result.error.issues)),
    ...[...crossCheck(raw), ...fileInputIssues(raw, dirname(resolve(file)), probe)].map((p) =>
      placed(doc, p),
    ),
  ];
  for (const { offset, path, message } of found) {
    // A value left empty by a missing variable is reported once, as the missing variable.
    if (!envPaths.has(path)) issues.push(at(offset, path, message));
  }
  if (issues.length > 0 || !result.success) throw new ConfigError(issues);
  return resolveChannel(result.data, file);
}

/** An issue at a character offset of the file. */
interface Placed {
  offset: number;
  path: string;
  message: string;
}

/** Reported at its value, or at the deepest part of its path that is written. */
function placed(doc: Document, [path, message]: PathIssue): Placed {
  return { offset: locate(doc, path.split("."))?.range?.[0] ?? 0, path, message };
}

function schemaIssues(doc: Document, issues: z.core.$ZodIssue[]): Placed[] {
  return issues.map((iss) => {
    const path = iss.path.map(String);
    // An unknown key is reported at the key itself, not at its parent map.
    const keys = iss.code === "unrecognized_keys" ? iss.keys : [];
    const node = locate(doc, path, keys[0]);
    const message =
      keys.length > 0
        ? `unknown key${keys.length > 1 ? "s" : ""} ${keys.map((k) => `"${k}"`).join(", ")}`
        : iss.message;
    const fullPath = keys.length === 1 ? [...path, keys[0]!] : path;
    return { offset: node?.range?.[0] ?? 0, path: fullPath.join("."), message };
  });
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
