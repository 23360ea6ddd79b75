/** File inputs must name a readable file when the channel is loaded (`check` and `run` alike). */
import { accessSync, constants, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { PathIssue } from "./cross-check.js";

/** Why the file at an absolute path cannot be read as an input (null when it can). */
export type FileProbe = (absPath: string) => string | null;

/** The real file system: a regular file this process may read. */
export const readableFile: FileProbe = (path) => {
  try {
    if (!statSync(path).isFile()) return "is not a regular file";
    accessSync(path, constants.R_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "does not exist";
    if (code === "EACCES") return "is not readable by this user";
    return `cannot be read (${(err as Error).message})`;
  }
};

/** Relative paths are relative to the channel file's folder `base`. */
export function fileInputIssues(raw: unknown, base: string, probe: FileProbe): PathIssue[] {
  const inputs = raw && typeof raw === "object" && "inputs" in raw ? raw.inputs : null;
  if (!Array.isArray(inputs)) return [];
  const out: PathIssue[] = [];
  inputs.forEach((inp: unknown, i) => {
    const file = inp && typeof inp === "object" && "file" in inp ? inp.file : null;
    const path = file && typeof file === "object" && "path" in file ? file.path : null;
    if (typeof path !== "string" || path === "") return;
    const abs = isAbsolute(path) ? path : resolve(base, path);
    const problem = probe(abs);
    if (problem) out.push([`inputs.${i}.file.path`, `file "${abs}" ${problem}`]);
  });
  return out;
}
