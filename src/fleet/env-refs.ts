/**
 * `${VAR}` / `${VAR:-default}` references: the fleet never turns them into values. Rendered files
 * carry them verbatim (compose and shell use the same syntax), Kubernetes gets a secretKeyRef per
 * variable, and icecast2 (which has no environment expansion) gets them filled in at start by
 * fill-secrets.ts.
 */

export interface EnvRef {
  name: string;
  /** The default after `:-`, or null for a plain `${VAR}`. */
  fallback: string | null;
}

/** `${VAR}`, `${VAR:-default}`, and compose's `${VAR:?message}` (required, as `${VAR}`). */
const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([^}]*))?\}/g;

export function envRefs(text: string): EnvRef[] {
  return [...text.matchAll(REF)].map((m) => ({ name: m[1]!, fallback: m[2] === ":-" ? (m[3] ?? "") : null }));
}

/** True when `text` is exactly one reference. */
export function isWholeRef(text: string): boolean {
  return /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/.test(text);
}

/**
 * Whether a secret field holds a proper reference: "" (no secret), `${VAR}` or `${VAR:-}`.
 * A literal, or a reference with a non-empty default, would put a secret in a rendered file.
 */
export function secretProblem(text: string): string | null {
  if (text === "") return null;
  if (!isWholeRef(text)) return "a secret must be a ${VAR} reference, never a literal value";
  const ref = envRefs(text)[0]!;
  if (ref.fallback !== null && ref.fallback !== "")
    return `the default of \${${ref.name}} is a literal secret: use \${${ref.name}} or \${${ref.name}:-}`;
  return null;
}

/** Every variable referenced, sorted by name; optional when every use of it has a default. */
export function referencedVars(texts: string[]): { name: string; optional: boolean }[] {
  const vars = new Map<string, boolean>();
  for (const t of texts) {
    for (const r of envRefs(t)) vars.set(r.name, (vars.get(r.name) ?? true) && r.fallback !== null);
  }
  return [...vars.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, optional]) => ({ name, optional }));
}

/**
 * An environment for validating a file whose values are not known at render time: a variable
 * with a default takes its default; one without reads as a placeholder that passes as a
 * passphrase, token or password, so a field that needs a real value at render time (a port)
 * fails with its position.
 */
export function placeholderEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const r of envRefs(text)) if (r.fallback === null) env[r.name] = "antenne-render-placeholder";
  return env;
}
