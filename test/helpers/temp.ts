import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh directory under the system's temp dir (tests remove what they keep no longer). */
export function tempDir(prefix = "antenne-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
