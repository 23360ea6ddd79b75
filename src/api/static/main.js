// @ts-check
// antenne status page: live from GET /api/v1/events, switch controls through the API.
// Native ES modules served as they are; `npm run typecheck` checks them against the server's types.
import { api, ApiError } from "./api.js";
import { $, setText } from "./dom.js";
import { connectEvents } from "./events.js";
import { db, duration, num } from "./format.js";
import { addProblem, addSwitch } from "./history.js";
import { renderInputs, renderInputState } from "./inputs.js";
import { pollListeners } from "./listeners.js";
import { showMessage, wireMessage } from "./message.js";
import { setMeter } from "./meter.js";
import { applyOutputEvent, renderOutputs } from "./outputs.js";
import { setupPlayer } from "./player.js";

/** @typedef {import("./types.js").ChannelStatus} ChannelStatus */

const STALE_MS = 3000;

/** The last status shown; events update it in place between snapshots. @type {ChannelStatus | null} */
let last = null;
let lastStatusAt = 0;
/** While a request is pending every control is disabled (no double clicks). */
let busy = false;

/** @param {ChannelStatus} s */
function renderOnAir(s) {
  setText($("active"), s.active ?? "NOTHING");
  setText($("preferred"), s.preferred ?? "none (priority order)");
  $("preferred-off").hidden = s.preferred === null || s.preferred === s.active;
  /** @type {HTMLButtonElement} */ ($("clear-preference")).disabled = busy || s.preferred === null;
  const bad = s.active === null || s.program.blank;
  $("onair").classList.toggle("onair-bad", bad);
  $("onair").classList.toggle("onair-ok", !bad);
  document.title = `${s.active ?? "NOTHING"}${s.program.blank ? " (BLANK)" : ""} · ${s.channel} · antenne`;
  setMeter($("program-meter"), s.program.levelDb);
  setText($("program-level"), `${db(s.program.levelDb.rms)} / ${db(s.program.levelDb.peak)} dBFS`);
  setText($("program-lufs-s"), num(s.program.lufsShortTerm));
  setText($("program-lufs-m"), num(s.program.lufsMomentary));
  $("program-blank").hidden = !s.program.blank;
}

/** @param {ChannelStatus} s */
function render(s) {
  last = s;
  lastStatusAt = Date.now();
  document.body.classList.remove("stale");
  setText($("channel"), s.channel);
  setText($("version"), s.version ? `v${s.version}` : "");
  setText($("uptime"), `up ${duration(s.uptimeSec)}`);
  const nowPlaying = s.metadata ? [s.metadata.artist, s.metadata.title].filter(Boolean).join(" — ") : "";
  $("metadata").hidden = !nowPlaying;
  setText($("metadata"), nowPlaying ? `♪ ${nowPlaying}` : "");
  renderOnAir(s);
  renderInputs($("inputs"), s, { busy, onSwitch: switchTo });
  renderOutputs(s, Date.now());
  setupPlayer(s);
}

/** @param {() => Promise<unknown>} action @param {string} okText */
async function runAction(action, okText) {
  busy = true;
  if (last) render(last);
  try {
    const result = await action();
    if (result && typeof result === "object" && "inputs" in result && Array.isArray(result.inputs))
      render(/** @type {ChannelStatus} */ (result));
    showMessage(okText, "info");
  } catch (err) {
    const code = err instanceof ApiError && err.status ? ` (${err.status})` : "";
    showMessage(`${err instanceof Error ? err.message : String(err)}${code}`, "error");
  } finally {
    busy = false;
    if (last) render(last);
  }
}

/** @param {string} id */
function switchTo(id) {
  void runAction(() => api("POST", "/api/v1/switch", { input: id }), `Switched to ${id}.`);
}

/** @param {"live" | "down" | "connecting"} state @param {string} text */
function setConn(state, text) {
  const c = $("conn");
  c.className = `conn conn-${state}`;
  setText(c, text);
}

function watchdog() {
  if (lastStatusAt && Date.now() - lastStatusAt > STALE_MS) {
    document.body.classList.add("stale");
    setConn("down", `no data for ${Math.round((Date.now() - lastStatusAt) / 1000)} s`);
  }
  setTimeout(watchdog, 1000);
}

wireMessage();
$("clear-preference").addEventListener("click", () =>
  runAction(() => api("DELETE", "/api/v1/switch"), "Preference cleared: back to priority order."),
);
connectEvents({
  connection: (state) => setConn(state, state === "live" ? "live" : "disconnected: retrying…"),
  status: render,
  switch: (ev) => {
    addSwitch(ev, new Date());
    if (last) {
      last.active = ev.to;
      render(last);
    }
  },
  input: (ev) => renderInputState(ev.id, ev.state, ev.available),
  output: (ev) => {
    if (last && applyOutputEvent(last, ev)) renderOutputs(last, Date.now());
  },
  problem: (ev) => addProblem(ev, new Date()),
});
watchdog();
void pollListeners();
