// @ts-check
// The outputs table (state, up, restarts, the kind's own facts) and the profiles table (encoder
// restarts, HLS segments per variant).
import { $, el } from "./dom.js";

/** @typedef {import("./types.js").ChannelStatus} ChannelStatus */
/** @typedef {import("./types.js").OutputStatus} OutputStatus */
/** @typedef {import("./types.js").OutputState} OutputState */
/** @typedef {import("./types.js").OutputEvent} OutputEvent */
/** @typedef {import("./types.js").HlsStatus} HlsStatus */

/** @type {Record<OutputState, string>} */
const OUTPUT_CLASS = {
  running: "badge-good",
  connected: "badge-good",
  starting: "badge-warn",
  connecting: "badge-warn",
  backoff: "badge-warn",
  failed: "badge-bad",
  stopped: "badge-muted",
};

/** @param {OutputStatus} o @returns {o is HlsStatus} */
function isHls(o) {
  return o.kind === "hls" && typeof o.profiles === "object" && o.profiles !== null;
}

/** The facts of the output's kind, as one line. @param {OutputStatus} o */
function details(o) {
  if (isHls(o)) {
    const n = Object.keys(o.profiles).length;
    const parts = [`${n} variant${n === 1 ? "" : "s"}`];
    if (o.diskErrors > 0) parts.push(`${o.diskErrors} disk errors`);
    if (o.push) parts.push(`push: ${o.push.sent} sent, ${o.push.failed} failed, ${o.push.dropped} dropped`);
    return parts.join(" · ");
  }
  const parts = [];
  if (typeof o.listeners === "number") parts.push(`${o.listeners} listeners`);
  if (typeof o.droppedFrames === "number" && o.droppedFrames > 0)
    parts.push(`${o.droppedFrames} frames dropped`);
  return parts.join(" · ") || "—";
}

/** @param {OutputStatus} o */
function outputRow(o) {
  return el("tr", { attrs: { "data-output": o.id } }, [
    el("td", { text: `${o.id} (${o.kind})` }),
    el("td", {}, [
      el("span", { className: `badge ${OUTPUT_CLASS[o.state] ?? "badge-muted"}`, text: o.state }),
      " ",
      el("span", {
        className: `badge ${o.up ? "badge-good" : "badge-bad"} output-up`,
        text: o.up ? "up" : "down",
      }),
    ]),
    el("td", { text: String(o.restarts), className: o.restarts > 0 ? "warn" : "" }),
    el("td", { text: details(o), className: "muted" }),
    el("td", { text: o.lastError ?? "—", className: o.lastError ? "error-text" : "muted" }),
  ]);
}

/** @param {string} text @param {number} columns */
function emptyRow(text, columns) {
  return el("tr", {}, [el("td", { text, className: "muted", attrs: { colspan: String(columns) } })]);
}

/** @param {ChannelStatus} s @param {number} nowMs wall clock, for "N s ago" */
export function renderOutputs(s, nowMs) {
  const rows = s.outputs.map(outputRow);
  $("outputs").replaceChildren(...(rows.length > 0 ? rows : [emptyRow("no outputs", 5)]));
  // HLS facts per profile live in the HLS output's status.
  const hls = s.outputs.find(isHls);
  const prows = s.profiles.map((p) => {
    const h = hls && isHls(hls) ? hls.profiles[p.profile] : undefined;
    const last = h?.lastSegmentWallMs;
    return el("tr", {}, [
      el("td", { text: p.profile }),
      el("td", { text: `${p.codec} ${Math.round(p.bitrate / 1000)}k` }),
      el("td", { text: String(p.encoderRestarts), className: p.encoderRestarts > 0 ? "warn" : "" }),
      el("td", { text: h ? String(h.segments) : "—" }),
      el("td", { text: last ? `${Math.max(0, (nowMs - last) / 1000).toFixed(1)} s ago` : "—" }),
    ]);
  });
  $("profiles").replaceChildren(...(prows.length > 0 ? prows : [emptyRow("no profiles", 5)]));
}

/** An output event changes the last status in place. @param {ChannelStatus} s @param {OutputEvent} ev */
export function applyOutputEvent(s, ev) {
  const o = s.outputs.find((x) => x.id === ev.id);
  if (!o) return false;
  o.state = ev.state;
  return true;
}
