// @ts-check
// The HLS player: hls.js where Media Source Extensions exist, the browser's own HLS where
// hls.js cannot run (iOS Safari). ?player=native or ?player=hlsjs forces one.
import { $, setText } from "./dom.js";

/** @typedef {import("./types.js").ChannelStatus} ChannelStatus */
/** @typedef {typeof import("hls.js").default} HlsClass */

/** hls.min.js is a classic script that sets window.Hls. */
const Hls = /** @type {{ Hls?: HlsClass }} */ (/** @type {unknown} */ (window)).Hls;

/** @param {HTMLAudioElement} audio @param {HTMLElement} state @param {string} url */
function describe(audio, state, url) {
  audio.addEventListener("playing", () => setText(state, `playing ${url}`));
  audio.addEventListener("pause", () => setText(state, `paused: ${url}`));
  audio.addEventListener("waiting", () => setText(state, `buffering ${url}…`));
  audio.addEventListener("error", () =>
    setText(
      state,
      `player error: ${audio.error ? audio.error.message || `code ${audio.error.code}` : "unknown"}`,
    ),
  );
}

/** @param {HlsClass} HlsJs @param {HTMLAudioElement} audio @param {HTMLElement} state @param {string} url */
function withHlsJs(HlsJs, audio, state, url) {
  // Load segments only while playing: the page stays open all day in the control room.
  const hls = new HlsJs({ autoStartLoad: false });
  hls.loadSource(url);
  hls.attachMedia(audio);
  audio.addEventListener("play", () => {
    hls.startLoad(-1);
    const live = hls.liveSyncPosition;
    if (live !== null && Number.isFinite(live) && audio.currentTime < live - 10) audio.currentTime = live;
  });
  audio.addEventListener("pause", () => hls.stopLoad());
  let manifestParsed = false;
  hls.on(HlsJs.Events.MANIFEST_PARSED, () => {
    manifestParsed = true;
    setText(state, `ready: ${url} (press play)`);
  });
  hls.on(HlsJs.Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    setText(state, `player error (${data.type}: ${data.details}); retrying…`);
    if (data.type === HlsJs.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
    else if (!manifestParsed) setTimeout(() => hls.loadSource(url), 3000);
    else if (!audio.paused) setTimeout(() => hls.startLoad(-1), 2000);
  });
  setText(state, `hls.js: ${url}`);
}

let setUp = false;

/** Wires the player once, from the first status. @param {ChannelStatus} s */
export function setupPlayer(s) {
  if (setUp) return;
  setUp = true;
  const audio = /** @type {HTMLAudioElement} */ ($("player"));
  const state = $("player-state");
  if (!s.outputs.some((o) => o.kind === "hls")) {
    audio.hidden = true;
    setText(state, "HLS output not configured for this channel.");
    return;
  }
  const url = `/hls/${encodeURIComponent(s.channel)}.m3u8`;
  describe(audio, state, url);
  const forced = /[?&]player=(native|hlsjs)\b/.exec(window.location.search);
  const canNative = audio.canPlayType("application/vnd.apple.mpegurl") !== "";
  const canHlsJs = Hls !== undefined && Hls.isSupported();
  const mode = forced ? forced[1] : canHlsJs ? "hlsjs" : canNative ? "native" : "none";
  if (mode === "native") {
    audio.src = url;
    setText(state, `native HLS: ${url}`);
  } else if (mode === "hlsjs" && Hls !== undefined && canHlsJs) {
    withHlsJs(Hls, audio, state, url);
  } else {
    audio.hidden = true;
    setText(state, `This browser cannot play HLS; open ${url} in a player.`);
  }
}
