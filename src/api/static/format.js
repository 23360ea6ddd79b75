// @ts-check
// Numbers, levels, durations and times as the page shows them. Pure functions.

export const METER_MIN_DB = -60;

/** @param {number | null | undefined} v @param {number} [digits] @param {string} [unit] */
export function num(v, digits = 1, unit = "") {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return `${v.toFixed(digits)}${unit}`;
}

/** A dBFS value; silence (≤ -120 dB) reads as -∞. @param {number | null | undefined} v */
export function db(v) {
  if (v === null || v === undefined || !Number.isFinite(v) || v <= -120) return "-∞";
  return v.toFixed(1);
}

/** "1h 02m", "3m 04s", "5s". @param {number} sec */
export function duration(sec) {
  const s = Math.max(0, Math.floor(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  return m > 0 ? `${m}m ${String(r).padStart(2, "0")}s` : `${r}s`;
}

/** Local wall time, 24 h. @param {Date} date */
export function clockTime(date) {
  return date.toLocaleTimeString([], { hour12: false });
}

/** Where a level sits on a meter scale from METER_MIN_DB to 0 dBFS, in percent. @param {number} v */
export function meterPct(v) {
  return (Math.min(0, Math.max(METER_MIN_DB, v)) / -METER_MIN_DB + 1) * 100;
}
