/** `${VAR}` and `${VAR:-default}` in scalar values, replaced from the environment in place. */
import { isMap, isScalar, isSeq, type Node } from "yaml";

export type Env = Record<string, string | undefined>;

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}/g;

/** Called once per unresolvable variable, at the scalar that names it. */
export type InterpolationFailure = (node: Node, path: string, message: string) => void;

export function interpolate(node: unknown, path: string[], env: Env, fail: InterpolationFailure): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "?";
      interpolate(pair.value, [...path, key], env, fail);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => interpolate(item, [...path, String(i)], env, fail));
  } else if (isScalar(node) && typeof node.value === "string" && node.value.includes("${")) {
    const raw = node.value;
    const out = raw.replace(
      VAR,
      (_m, name: string, hasDefault: string | undefined, def: string | undefined) => {
        const v = env[name];
        if (v !== undefined && v !== "") return v;
        if (hasDefault !== undefined) return def ?? "";
        if (v === "") return "";
        fail(
          node,
          path.join("."),
          `environment variable ${name} is not set (use \${${name}:-default} for a default)`,
        );
        return "";
      },
    );
    // A plain scalar that was only a variable takes the type its value reads as.
    const whole = /^\$\{[^}]+\}$/.test(raw) && node.type === "PLAIN";
    if (whole && /^-?\d+(\.\d+)?$/.test(out)) node.value = Number(out);
    else if (whole && (out === "true" || out === "false")) node.value = out === "true";
    else node.value = out;
  }
}
