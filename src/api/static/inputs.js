// @ts-check
// The input cards, in priority order: state, level, buffer and the facts of the input's kind
// (SRT link statistics, the file played, the tone's frequency), with a switch button each.
import { el, setText } from "./dom.js";
import { db, duration, num } from "./format.js";
import { meterElement, setMeter } from "./meter.js";

/** @typedef {import("./types.js").ChannelStatus} ChannelStatus */
/** @typedef {import("./types.js").InputStatus} InputStatus */
/** @typedef {import("./types.js").InputState} InputState */
/** @typedef {{ wrap: HTMLElement, value: HTMLElement }} Fact */
/** @typedef {ReturnType<typeof buildCard>} Card */

/** @type {Record<InputState, string>} */
const STATE_CLASS = {
  connected: "badge-good",
  listening: "badge-muted",
  connecting: "badge-warn",
  idle: "badge-muted",
  failed: "badge-bad",
};

/** @param {string} label @returns {Fact} */
function fact(label) {
  const value = el("dd");
  return { wrap: el("div", { className: "fact" }, [el("dt", { text: label }), value]), value };
}

/** Facts only one kind of input has. @param {InputStatus["kind"]} kind @returns {Record<string, Fact>} */
function kindFacts(kind) {
  if (kind === "srt")
    return {
      rtt: fact("SRT RTT"),
      rate: fact("SRT rate"),
      lost: fact("SRT lost / dropped / retrans"),
      peer: fact("SRT peer"),
    };
  if (kind === "file") return { path: fact("file") };
  return { frequency: fact("tone") };
}

/** @param {InputStatus} input @param {(id: string) => void} onSwitch */
function buildCard(input, onSwitch) {
  const badge = (/** @type {string} */ className, /** @type {string} */ text) =>
    el("span", { className: `badge ${className}`, text });
  const badgeActive = badge("badge-active", "ON AIR");
  const badgePreferred = badge("badge-preferred", "PREFERRED");
  const state = badge("", "");
  const available = badge("", "");
  const blank = badge("badge-bad", "BLANK");
  const manual = el("span", {
    className: "badge badge-muted",
    text: "manual only",
    attrs: { title: "autofallback: false" },
  });
  const meter = meterElement(`${input.id} level`);
  const facts = {
    level: fact("RMS / peak dBFS"),
    lufs: fact("LUFS S / M"),
    buffer: fact("buffer"),
    drift: fact("drift"),
    unavailable: fact("unavailable for"),
  };
  const kind = kindFacts(input.kind);
  const error = el("div", { className: "input-error" });
  const button = el("button", {
    className: "btn btn-switch",
    text: `Switch to ${input.id}`,
    attrs: { type: "button", "data-input": input.id },
  });
  button.addEventListener("click", () => onSwitch(input.id));
  const title = el("div", { className: "input-title" }, [
    el("span", { className: "input-id", text: input.id }),
    el("span", { className: "input-kind muted", text: input.kind }),
    badgeActive,
    badgePreferred,
  ]);
  const dl = el(
    "dl",
    { className: "facts" },
    [...Object.values(facts), ...Object.values(kind)].map((f) => f.wrap),
  );
  const flags = el("div", { className: "flags" }, [state, available, blank, manual]);
  const root = el("article", { className: `input input-${input.kind}`, attrs: { "data-input": input.id } }, [
    title,
    flags,
    meter,
    dl,
    error,
    button,
  ]);
  return {
    root,
    badgeActive,
    badgePreferred,
    state,
    available,
    blank,
    manual,
    meter,
    facts,
    kind,
    error,
    button,
  };
}

/** id → card; rebuilt only when the set of inputs changes. @type {Map<string, Card>} */
const cards = new Map();
let cardKey = "";

/** @param {string} id @param {InputState} state @param {boolean} available */
export function renderInputState(id, state, available) {
  const card = cards.get(id);
  if (!card) return;
  setText(card.state, state);
  card.state.className = `badge ${STATE_CLASS[state] ?? "badge-muted"}`;
  setText(card.available, available ? "available" : "unavailable");
  card.available.className = `badge ${available ? "badge-good" : "badge-bad"}`;
  card.root.classList.toggle("is-unavailable", !available);
}

/** @param {Card} card @param {InputStatus} input */
function renderKind(card, input) {
  const k = card.kind;
  if (input.kind === "srt") {
    const srt = input.srt;
    if (k.rtt) setText(k.rtt.value, num(srt.rttMs, 1, " ms"));
    if (k.rate) setText(k.rate.value, num(srt.receiveRateKbps, 0, " kbit/s"));
    if (k.lost)
      setText(k.lost.value, `${srt.packetsLost} / ${srt.packetsDropped} / ${srt.packetsRetransmitted}`);
    if (k.peer) setText(k.peer.value, srt.peer ?? "—");
  } else if (input.kind === "file") {
    if (k.path) setText(k.path.value, input.file.path);
  } else if (k.frequency) {
    setText(k.frequency.value, num(input.tone.frequencyHz, 0, " Hz"));
  }
}

/** @param {Card} card @param {InputStatus} input */
function renderFacts(card, input) {
  const f = card.facts;
  setMeter(card.meter, input.levelDb);
  setText(f.level.value, `${db(input.levelDb.rms)} / ${db(input.levelDb.peak)}`);
  setText(f.lufs.value, `${num(input.lufsShortTerm)} / ${num(input.lufsMomentary)}`);
  setText(f.buffer.value, num(input.bufferMs, 0, " ms"));
  setText(f.drift.value, num(input.driftPpm, 1, " ppm"));
  f.unavailable.wrap.hidden = input.available || !(input.unavailableSec > 0);
  setText(f.unavailable.value, duration(input.unavailableSec || 0));
  renderKind(card, input);
  card.error.hidden = !input.lastError;
  setText(card.error, input.lastError ? `last error: ${input.lastError}` : "");
}

/**
 * @param {HTMLElement} container
 * @param {ChannelStatus} s
 * @param {{ busy: boolean, onSwitch: (id: string) => void }} opts
 */
export function renderInputs(container, s, opts) {
  const key = s.inputs.map((i) => `${i.id}:${i.kind}`).join("\u0000");
  if (key !== cardKey) {
    cardKey = key;
    cards.clear();
    container.replaceChildren();
    for (const input of s.inputs) {
      const card = buildCard(input, opts.onSwitch);
      cards.set(input.id, card);
      container.append(card.root);
    }
  }
  for (const input of s.inputs) {
    const card = cards.get(input.id);
    if (!card) continue;
    const isActive = s.active === input.id;
    const isPreferred = s.preferred === input.id;
    card.root.classList.toggle("is-active", isActive);
    card.root.classList.toggle("is-preferred", isPreferred);
    card.root.setAttribute("aria-current", isActive ? "true" : "false");
    card.badgeActive.hidden = !isActive;
    card.badgePreferred.hidden = !isPreferred;
    renderInputState(input.id, input.state, input.available);
    card.blank.hidden = !input.blank;
    card.manual.hidden = input.autofallback !== false;
    renderFacts(card, input);
    // Already on air and preferred: nothing to do. Otherwise the server decides (409 if unavailable).
    card.button.disabled = opts.busy || (isActive && isPreferred);
    card.button.classList.toggle("btn-risky", !input.available);
    card.button.title = input.available ? "" : "input is unavailable: the daemon will refuse (409)";
  }
}
