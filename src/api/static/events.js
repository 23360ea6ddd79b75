// @ts-check
// The daemon's event stream (GET /api/v1/events): a status snapshot at once and then every
// half second, plus switch, input, output and problem events. Reconnects by itself.

/** @typedef {import("./types.js").ChannelStatus} ChannelStatus */
/** @typedef {import("./types.js").SwitchEvent} SwitchEvent */
/** @typedef {import("./types.js").InputEvent} InputEvent */
/** @typedef {import("./types.js").OutputEvent} OutputEvent */
/** @typedef {import("./types.js").ProblemEvent} ProblemEvent */

/**
 * @typedef {object} EventHandlers
 * @property {(state: "live" | "down") => void} connection
 * @property {(s: ChannelStatus) => void} status
 * @property {(ev: SwitchEvent) => void} switch
 * @property {(ev: InputEvent) => void} input
 * @property {(ev: OutputEvent) => void} output
 * @property {(ev: ProblemEvent) => void} problem
 */

const RETRY_MS = 2000;

/** The event's JSON, or null when it is not an object. @param {Event} e @returns {Record<string, unknown> | null} */
function parse(e) {
  try {
    const data = JSON.parse(/** @type {MessageEvent<string>} */ (e).data);
    return data && typeof data === "object" ? data : null;
  } catch {
    return null;
  }
}

/** A payload is trusted as the server's type once its identifying field is there. */
const SHAPES = {
  status: (/** @type {Record<string, unknown>} */ d) => Array.isArray(d.inputs),
  switch: (/** @type {Record<string, unknown>} */ d) => "to" in d && "reason" in d,
  input: (/** @type {Record<string, unknown>} */ d) => typeof d.id === "string",
  output: (/** @type {Record<string, unknown>} */ d) => typeof d.id === "string",
  problem: (/** @type {Record<string, unknown>} */ d) => typeof d.code === "string",
};

/** @param {EventHandlers} on */
export function connectEvents(on) {
  const es = new EventSource("/api/v1/events");
  es.addEventListener("open", () => on.connection("live"));
  es.addEventListener("error", () => {
    on.connection("down");
    if (es.readyState === EventSource.CLOSED) setTimeout(() => connectEvents(on), RETRY_MS);
  });
  for (const name of /** @type {(keyof typeof SHAPES)[]} */ (Object.keys(SHAPES))) {
    es.addEventListener(name, (e) => {
      const d = parse(e);
      if (!d || !SHAPES[name](d)) return;
      /** @type {(ev: unknown) => void} */ (on[name])(d);
    });
  }
}
