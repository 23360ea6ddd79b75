// @ts-check
// Level meters: RMS as the bar, peak as a tick, both on a -60..0 dBFS scale.
import { el } from "./dom.js";
import { db, meterPct, METER_MIN_DB } from "./format.js";

/** @typedef {import("./types.js").LevelDb} LevelDb */

/** @param {string} label */
export function meterElement(label) {
  return el(
    "div",
    {
      className: "meter",
      attrs: { role: "meter", "aria-label": label, "aria-valuemin": "-60", "aria-valuemax": "0" },
    },
    [
      el("div", { className: "meter-cover" }),
      el("div", { className: "meter-peak" }),
      el("div", { className: "meter-scale" }),
    ],
  );
}

/** @param {HTMLElement} meter @param {LevelDb | null | undefined} level */
export function setMeter(meter, level) {
  const rms = level && Number.isFinite(level.rms) ? level.rms : -120;
  const peak = level && Number.isFinite(level.peak) ? level.peak : -120;
  const cover = /** @type {HTMLElement | null} */ (meter.querySelector(".meter-cover"));
  const peakEl = /** @type {HTMLElement | null} */ (meter.querySelector(".meter-peak"));
  if (cover) cover.style.width = `${100 - meterPct(rms)}%`;
  if (peakEl) {
    peakEl.style.left = `${meterPct(peak)}%`;
    peakEl.classList.toggle("hot", peak > -3);
  }
  meter.setAttribute("aria-valuenow", String(Math.max(METER_MIN_DB, rms)));
  meter.setAttribute("aria-valuetext", `RMS ${db(rms)} dBFS, peak ${db(peak)} dBFS`);
}
