/**
 * `node dist/src/fleet/fill-secrets-main.js IN OUT`: the init step of a rendered icecast2
 * (Kubernetes init container, compose one-shot service, bare-host ExecStartPre). Exit 1 with the
 * names of the unset variables, never a partial file.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { fillSecrets, MissingSecretsError } from "./fill-secrets.js";

function main(args: string[]): number {
  const [input, output] = args;
  if (!input || !output) {
    console.error("usage: fill-secrets-main.js IN OUT");
    return 2;
  }
  try {
    const text = fillSecrets(readFileSync(input, "utf8"), process.env, { xml: input.endsWith(".xml") });
    writeFileSync(`${output}.tmp`, text, { mode: 0o640 });
    renameSync(`${output}.tmp`, output);
    return 0;
  } catch (err) {
    if (!(err instanceof MissingSecretsError)) throw err;
    console.error(`${input}: ${err.message}`);
    return 1;
  }
}

process.exit(main(process.argv.slice(2)));
