import { renameSync, writeFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";

let counter = 0;

/** Writes a file so readers see either the old or the new content, never a part. */
export async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${++counter}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export function writeAtomicSync(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.${++counter}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
