/** Small statistics and formatting helpers for benchmark reports (pure). */

/** Median of the finite values; NaN when there are none. */
export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

/** Linear-interpolated quantile (q in [0, 1]) of the finite values; NaN when there are none. */
export function quantile(xs: number[], q: number): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");

/** "met" / "NOT met" for a comparison whose inputs may be missing ("n/a"). */
export function verdict(ok: boolean | null): string {
  return ok === null ? "n/a" : ok ? "met" : "NOT met";
}

/** `a <= b` unless either is not a number (then null: cannot tell). */
export function atMost(a: number, b: number): boolean | null {
  return Number.isFinite(a) && Number.isFinite(b) ? a <= b : null;
}

/** A Markdown table row. */
export const row = (cells: (string | number)[]): string => `| ${cells.join(" | ")} |`;
