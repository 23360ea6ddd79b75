/** Small text helpers shared by the renderers: escaping and stable ordering. */

export function xmlEscape(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => `&${{ "<": "lt", ">": "gt", "&": "amp", '"': "quot", "'": "apos" }[c]};`,
  );
}

/** One XML element per line, indented; `children` are elements already rendered. */
export function xmlEl(name: string, body: string | number | string[], attrs = "", indent = 1): string {
  const pad = "    ".repeat(indent);
  if (Array.isArray(body)) return `${pad}<${name}${attrs}>\n${body.join("\n")}\n${pad}</${name}>`;
  return `${pad}<${name}${attrs}>${xmlEscape(String(body))}</${name}>`;
}

/** Compares strings by code unit, the same on every machine (no locale). */
export function byCode(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A VCL duration: "2s", "500ms". */
export function duration(sec: number): string {
  return Number.isInteger(sec) ? `${sec}s` : `${Math.round(sec * 1000)}ms`;
}
