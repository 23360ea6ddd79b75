/**
 * File-system steps of an image build as Docker performs them, for scripts/assemble-image.ts:
 * the build context filtered by .dockerignore, and COPY's rules for files and directories.
 */
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, posix } from "node:path";

/**
 * The context's .dockerignore, which must be an allow-list ("*", then "!name" per top-level
 * entry): returns whether a context path is sent to the build.
 */
export function contextFilter(context: string): (path: string) => boolean {
  const file = join(context, ".dockerignore");
  const lines = existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"))
    : [];
  if (lines[0] !== "*" || lines.slice(1).some((l) => !/^![A-Za-z0-9._-]+$/.test(l)))
    throw new Error('.dockerignore must be an allow-list: "*" then "!name" lines');
  const allowed = new Set(lines.slice(1).map((l) => l.slice(1)));
  return (path) => allowed.has(posix.normalize(path).replace(/^\.\//, "").split("/")[0] ?? "");
}

/** An image path ("/app/x", or relative to `workdir`) inside the directory `root`. */
export function inRoot(root: string, workdir: string, path: string): string {
  const abs = isAbsolute(path) ? path : posix.join(workdir, path);
  return join(root, posix.normalize(abs));
}

/**
 * COPY semantics: a directory source copies its contents into the destination; a file goes to
 * `dest/name` when the destination ends in "/" (or there are several sources), else to `dest`.
 * Symbolic links are copied as links (node_modules/.bin).
 */
export function copyInto(sources: string[], destPath: string, destIsDir: boolean): void {
  for (const src of sources) {
    if (!existsSync(src)) throw new Error(`COPY source ${src} does not exist`);
    if (statSync(src).isDirectory()) {
      mkdirSync(destPath, { recursive: true });
      cpSync(src, destPath, { recursive: true, verbatimSymlinks: true });
    } else {
      const target = destIsDir ? join(destPath, basename(src)) : destPath;
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(src, target);
    }
  }
}

/** `install -d -m MODE`: the directory with that mode (and its parents). */
export function makeDir(path: string, mode: string | null): void {
  mkdirSync(path, { recursive: true });
  if (mode !== null) chmodSync(path, parseInt(mode, 8));
}
