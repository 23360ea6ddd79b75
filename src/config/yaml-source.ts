/**
 * A YAML file parsed with positions, for configuration files other than channel files (the
 * fleet file): every problem becomes a `ConfigIssue` that names the file, line, column and key
 * path (`FILE:LINE:COL: key.path: message`), placed as the channel loader places its own.
 */
import { LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "./issues.js";
import { locate } from "./locate.js";

export interface YamlSource {
  file: string;
  doc: Document;
  /** An issue at a character offset of the text. */
  at(offset: number, path: string, message: string): ConfigIssue;
  /** An issue at the value of a dotted key path (or the deepest part of it that is written). */
  atPath(path: string, message: string): ConfigIssue;
}

/** Parses YAML text; syntax errors are thrown as a ConfigError. */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, path: string, message: string): ConfigIssue => {
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col, path, message };
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => at(e.pos[0], "", e.message.split("\n")[0] ?? e.message)));
  }
  const atPath = (path: string, message: string) =>
    at(locate(doc, path === "" ? [] : path.split("."))?.range?.[0] ?? 0, path, message);
  return { file, doc, at, atPath };
}

/** Zod issues as positioned config issues; an unknown key is reported at the key itself. */
export function schemaIssues(src: YamlSource, error: z.ZodError): ConfigIssue[] {
  return error.issues.map((iss) => {
    const path = iss.path.map(String);
    const keys = iss.code === "unrecognized_keys" ? iss.keys : [];
    const node = locate(src.doc, path, keys[0]);
    const msg =
      keys.length > 0
        ? `unknown key${keys.length > 1 ? "s" : ""} ${keys.map((k) => `"${k}"`).join(", ")}`
        : iss.message;
    const fullPath = keys.length === 1 ? [...path, keys[0]!] : path;
    return src.at(node?.range?.[0] ?? 0, fullPath.join("."), msg);
  });
}
