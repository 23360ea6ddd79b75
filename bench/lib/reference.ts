/**
 * Where the shared reference job lives: `../shared/reference/` next to the checkout (SPEC §8's
 * side-by-side job: liquidsoap-channel.liq, icecast.xml.in). BENCH_REFERENCE_DIR overrides it.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** From dist/bench/lib/*.js: ../../../ is the checkout, one more is the folder holding it. */
const BESIDE_CHECKOUT = new URL("../../../../shared/reference/", import.meta.url);

export function referenceDir(): string {
  return process.env.BENCH_REFERENCE_DIR ?? fileURLToPath(BESIDE_CHECKOUT);
}

/** A file of the reference job; throws with the path tried when it is missing. */
export function referenceFile(name: string): string {
  const path = `${referenceDir().replace(/\/$/, "")}/${name}`;
  if (!existsSync(path)) throw new Error(`reference file ${path} not found (set BENCH_REFERENCE_DIR)`);
  return path;
}

/** True when `cmd` is an executable on the usual Debian paths. */
export function installed(cmd: string): boolean {
  return ["/usr/bin/", "/usr/local/bin/", "/bin/"].some((p) => existsSync(p + cmd));
}
