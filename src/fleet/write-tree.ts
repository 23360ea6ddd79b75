import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Writes rendered files under `out`. Files of an earlier render that this one no longer has
 * are left alone (nothing outside the rendered set is ever deleted); scripts are executable.
 */
export function writeTree(out: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    const full = join(out, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
    if (path.endsWith(".sh")) chmodSync(full, 0o755);
  }
}
