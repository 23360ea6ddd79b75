// @ts-check
// What happened since the page opened: the last switches and the last problems (catalogued
// errors: code, message, the input or output concerned), newest first.
import { $, el } from "./dom.js";
import { clockTime } from "./format.js";

/** @typedef {import("./types.js").SwitchEvent} SwitchEvent */
/** @typedef {import("./types.js").ProblemEvent} ProblemEvent */

const SWITCHES_KEPT = 10;
const PROBLEMS_KEPT = 5;

/** @type {{ at: Date, ev: SwitchEvent }[]} */
const switches = [];
/** @type {{ at: Date, ev: ProblemEvent }[]} */
const problems = [];

/** @template T @param {T[]} list @param {T} item @param {number} keep */
function remember(list, item, keep) {
  list.unshift(item);
  list.length = Math.min(list.length, keep);
}

/** @param {Date} at */
function time(at) {
  return el("time", { text: clockTime(at), attrs: { datetime: at.toISOString() } });
}

/** @param {SwitchEvent} ev @param {Date} at */
export function addSwitch(ev, at) {
  remember(switches, { at, ev }, SWITCHES_KEPT);
  const items = switches.map(({ at: t, ev: e }) =>
    el("li", { className: "switch" }, [
      time(t),
      el("span", { className: "switch-path", text: `${e.from ?? "nothing"} → ${e.to ?? "nothing"}` }),
      el("span", { className: `badge reason reason-${e.reason}`, text: e.reason }),
      el("span", { className: "muted", text: e.transition ?? "" }),
    ]),
  );
  $("switch-log").replaceChildren(...items);
}

/** @param {ProblemEvent} ev @param {Date} at */
export function addProblem(ev, at) {
  remember(problems, { at, ev }, PROBLEMS_KEPT);
  const items = problems.map(({ at: t, ev: e }) => {
    const where =
      e.input !== undefined ? `input ${e.input}` : e.output !== undefined ? `output ${e.output}` : "";
    return el("li", { className: "problem", attrs: { "data-code": e.code } }, [
      time(t),
      el("span", { className: "problem-where", text: where }),
      el("span", { className: "problem-message", text: e.message }),
      el("code", { className: "problem-code muted", text: e.code }),
    ]);
  });
  $("problems").replaceChildren(...items);
}
