/**
 * Fills `${VAR}` / `${VAR:-default}` references of a rendered file from the environment, for
 * engines that cannot read the environment themselves (icecast2). Runs where the engine runs,
 * at start: the rendered file never holds a value. Values are XML-escaped for .xml files.
 */
import { envRefs } from "./env-refs.js";
import { xmlEscape } from "./render/text.js";

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export class MissingSecretsError extends Error {
  constructor(readonly names: string[]) {
    super(`environment variable${names.length > 1 ? "s" : ""} not set: ${names.join(", ")}`);
    this.name = "MissingSecretsError";
  }
}

export function fillSecrets(
  text: string,
  env: Record<string, string | undefined>,
  opts: { xml: boolean },
): string {
  const missing = envRefs(text)
    .filter((r) => r.fallback === null && (env[r.name] === undefined || env[r.name] === ""))
    .map((r) => r.name);
  if (missing.length > 0) throw new MissingSecretsError([...new Set(missing)].sort());
  return text.replace(REF, (_m, name: string, fallback: string | undefined) => {
    const v = env[name];
    const value = v !== undefined && v !== "" ? v : (fallback ?? "");
    return opts.xml ? xmlEscape(value) : value;
  });
}
