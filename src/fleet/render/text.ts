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

/** Seconds for nginx/Varnish/Prometheus durations: "2s", "500ms". */
export function duration(sec: number): string {
  return Number.isInteger(sec) ? `${sec}s` : `${Math.round(sec * 1000)}ms`;
}

/** Quotes a word for POSIX sh when it needs it; `${VAR}` references stay expandable. */
export function shWord(s: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(s)) return s;
  return `"${s.replace(/(["\\`])/g, "\\$1")}"`;
}
