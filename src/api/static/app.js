// antenne status page: live from GET /api/v1/events, switch controls through the API.
// Plain browser JS served as is. Every string from the server goes into the DOM through textContent.
"use strict";

(() => {
  const METER_MIN_DB = -60;
  const LOG_MAX = 10;
  const STALE_MS = 3000;
  const TOKEN_KEY = "antenne.apiToken";

  const $ = (id) => document.getElementById(id);

  /** Creates an element; `text` always goes through textContent. */
  function el(tag, opts = {}, children = []) {
    const node = document.createElement(tag);
    if (opts.className) node.className = opts.className;
    if (opts.text !== undefined) node.textContent = opts.text;
    if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) node.setAttribute(k, v);
    for (const c of children) node.append(c);
    return node;
  }

  function setText(node, text) {
    const t = String(text);
    if (node.textContent !== t) node.textContent = t;
  }

  function num(v, digits = 1, unit = "") {
    if (v === null || v === undefined || !Number.isFinite(v)) return "—";
    return `${v.toFixed(digits)}${unit}`;
  }

  function db(v) {
    if (v === null || v === undefined || !Number.isFinite(v) || v <= -120) return "-∞";
    return v.toFixed(1);
  }

  function duration(sec) {
    const s = Math.max(0, Math.floor(sec));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const r = s % 60;
    return h > 0
      ? `${h}h ${String(m).padStart(2, "0")}m`
      : m > 0
        ? `${m}m ${String(r).padStart(2, "0")}s`
        : `${r}s`;
  }

  function clock(date) {
    return date.toLocaleTimeString([], { hour12: false });
  }

  // ---------- token storage (localStorage may be unavailable) ----------

  let memoryToken = null;
  function getToken() {
    try {
      return localStorage.getItem(TOKEN_KEY) ?? memoryToken;
    } catch {
      return memoryToken;
    }
  }
  function setToken(token) {
    memoryToken = token;
    try {
      if (token === null) localStorage.removeItem(TOKEN_KEY);
      else localStorage.setItem(TOKEN_KEY, token);
    } catch {
      /* memory only */
    }
  }

  // ---------- messages ----------

  let messageSeq = 0;
  function showMessage(text, kind = "error") {
    const seq = ++messageSeq;
    const box = $("message");
    box.className = `message message-${kind}`;
    setText($("message-text"), text);
    box.hidden = false;
    if (kind !== "error") {
      setTimeout(() => {
        if (seq === messageSeq) box.hidden = true;
      }, 4000);
    }
  }
  $("message-close").addEventListener("click", () => {
    messageSeq++;
    $("message").hidden = true;
  });

  // ---------- API calls ----------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  /** Calls the API; on 401 asks for the token once, stores it and retries. */
  async function api(method, path, body) {
    let prompted = false;
    for (;;) {
      const headers = { accept: "application/json" };
      if (body !== undefined) headers["content-type"] = "application/json";
      const token = getToken();
      if (token) headers.authorization = `Bearer ${token}`;
      let res;
      try {
        res = await fetch(path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        throw new ApiError(0, `cannot reach the daemon: ${err && err.message ? err.message : err}`);
      }
      let data = null;
      try {
        data = await res.json();
      } catch {
        data = null;
      }
      if (res.status === 401) {
        if (!prompted) {
          prompted = true;
          const entered = prompt(
            token ? "The API token was rejected. Enter the API token:" : "This action needs the API token:",
          );
          if (entered === null || entered.trim() === "")
            throw new ApiError(401, "No token given: nothing changed.");
          setToken(entered.trim());
          continue;
        }
        setToken(null);
        throw new ApiError(401, "The API token was rejected: nothing changed.");
      }
      if (!res.ok) {
        const msg = data && typeof data.message === "string" ? data.message : `HTTP ${res.status}`;
        throw new ApiError(res.status, msg);
      }
      return data;
    }
  }

  /** While a request is pending every control is disabled (no double clicks). */
  let busy = false;

  async function runAction(action, okText) {
    busy = true;
    if (last) render(last);
    try {
      const status = await action();
      if (status && Array.isArray(status.inputs)) render(status);
      showMessage(okText, "info");
    } catch (err) {
      const code = err instanceof ApiError && err.status ? ` (${err.status})` : "";
      showMessage(`${err.message}${code}`, "error");
    } finally {
      busy = false;
      if (last) render(last);
    }
  }

  function switchTo(id) {
    return runAction(() => api("POST", "/api/v1/switch", { input: id }), `Switched to ${id}.`);
  }

  $("clear-preference").addEventListener("click", () =>
    runAction(() => api("DELETE", "/api/v1/switch"), "Preference cleared: back to priority order."),
  );

  // ---------- meters ----------

  function setMeter(meter, level) {
    const rms = level && Number.isFinite(level.rms) ? level.rms : -120;
    const peak = level && Number.isFinite(level.peak) ? level.peak : -120;
    const pct = (v) => (Math.min(0, Math.max(METER_MIN_DB, v)) / -METER_MIN_DB + 1) * 100;
    meter.querySelector(".meter-cover").style.width = `${100 - pct(rms)}%`;
    const peakEl = meter.querySelector(".meter-peak");
    peakEl.style.left = `${pct(peak)}%`;
    peakEl.classList.toggle("hot", peak > -3);
    meter.setAttribute("aria-valuenow", String(Math.max(METER_MIN_DB, rms)));
    meter.setAttribute("aria-valuetext", `RMS ${db(rms)} dBFS, peak ${db(peak)} dBFS`);
  }

  function meterElement(label) {
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

  // ---------- inputs ----------

  /** id → card parts; rebuilt only when the set of inputs changes. */
  const cards = new Map();
  let cardKey = "";

  function fact(label) {
    const value = el("dd");
    const wrap = el("div", { className: "fact" }, [el("dt", { text: label }), value]);
    return { wrap, value };
  }

  function buildCard(input) {
    const badgeActive = el("span", { className: "badge badge-active", text: "ON AIR" });
    const badgePreferred = el("span", { className: "badge badge-preferred", text: "PREFERRED" });
    const title = el("div", { className: "input-title" }, [
      el("span", { className: "input-id", text: input.id }),
      el("span", { className: "input-kind muted", text: input.kind }),
      badgeActive,
      badgePreferred,
    ]);
    const state = el("span", { className: "badge" });
    const available = el("span", { className: "badge" });
    const blank = el("span", { className: "badge badge-bad", text: "BLANK" });
    const manual = el("span", {
      className: "badge badge-muted",
      text: "manual only",
      attrs: { title: "autofallback: false" },
    });
    const flags = el("div", { className: "flags" }, [state, available, blank, manual]);
    const meter = meterElement(`${input.id} level`);
    const facts = {
      level: fact("RMS / peak dBFS"),
      lufs: fact("LUFS S / M"),
      buffer: fact("buffer"),
      drift: fact("drift"),
      unavailable: fact("unavailable for"),
      rtt: fact("SRT RTT"),
      rate: fact("SRT rate"),
      lost: fact("SRT lost / dropped / retrans"),
      peer: fact("SRT peer"),
    };
    const dl = el(
      "dl",
      { className: "facts" },
      Object.values(facts).map((f) => f.wrap),
    );
    const error = el("div", { className: "input-error" });
    const button = el("button", {
      className: "btn btn-switch",
      text: `Switch to ${input.id}`,
      attrs: { type: "button", "data-input": input.id },
    });
    button.addEventListener("click", () => switchTo(input.id));
    const root = el("article", { className: "input", attrs: { "data-input": input.id } }, [
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
      error,
      button,
    };
  }

  const STATE_CLASS = {
    connected: "badge-good",
    listening: "badge-muted",
    connecting: "badge-warn",
    idle: "badge-muted",
    failed: "badge-bad",
  };

  function renderInputState(card, state, available) {
    setText(card.state, state);
    card.state.className = `badge ${STATE_CLASS[state] ?? "badge-muted"}`;
    setText(card.available, available ? "available" : "unavailable");
    card.available.className = `badge ${available ? "badge-good" : "badge-bad"}`;
    card.root.classList.toggle("is-unavailable", !available);
  }

  function renderInputs(s) {
    const key = s.inputs.map((i) => i.id).join("\u0000");
    const container = $("inputs");
    if (key !== cardKey) {
      cardKey = key;
      cards.clear();
      container.replaceChildren();
      for (const input of s.inputs) {
        const card = buildCard(input);
        cards.set(input.id, card);
        container.append(card.root);
      }
    }
    for (const input of s.inputs) {
      const card = cards.get(input.id);
      const isActive = s.active === input.id;
      const isPreferred = s.preferred === input.id;
      card.root.classList.toggle("is-active", isActive);
      card.root.classList.toggle("is-preferred", isPreferred);
      card.root.setAttribute("aria-current", isActive ? "true" : "false");
      card.badgeActive.hidden = !isActive;
      card.badgePreferred.hidden = !isPreferred;
      renderInputState(card, input.state, input.available);
      card.blank.hidden = !input.blank;
      card.manual.hidden = input.autofallback !== false;
      setMeter(card.meter, input.levelDb);
      const f = card.facts;
      setText(
        f.level.value,
        `${db(input.levelDb && input.levelDb.rms)} / ${db(input.levelDb && input.levelDb.peak)}`,
      );
      setText(f.lufs.value, `${num(input.lufsShortTerm)} / ${num(input.lufsMomentary)}`);
      setText(f.buffer.value, num(input.bufferMs, 0, " ms"));
      setText(f.drift.value, num(input.driftPpm, 1, " ppm"));
      f.unavailable.wrap.hidden = input.available || !(input.unavailableSec > 0);
      setText(f.unavailable.value, duration(input.unavailableSec || 0));
      const srt = input.srt;
      for (const k of ["rtt", "rate", "lost", "peer"]) f[k].wrap.hidden = !srt;
      if (srt) {
        setText(f.rtt.value, num(srt.rttMs, 1, " ms"));
        setText(f.rate.value, num(srt.receiveRateKbps, 0, " kbit/s"));
        setText(
          f.lost.value,
          `${srt.packetsLost ?? "—"} / ${srt.packetsDropped ?? "—"} / ${srt.packetsRetransmitted ?? "—"}`,
        );
        setText(f.peer.value, srt.peer ?? "—");
      }
      card.error.hidden = !input.lastError;
      setText(card.error, input.lastError ? `last error: ${input.lastError}` : "");
      // Already on air and preferred: nothing to do. Otherwise the server decides (409 if unavailable).
      card.button.disabled = busy || (isActive && isPreferred);
      card.button.classList.toggle("btn-risky", !input.available);
      card.button.title = input.available ? "" : "input is unavailable: the daemon will refuse (409)";
    }
  }

  // ---------- outputs, profiles ----------

  const OUTPUT_CLASS = {
    running: "badge-good",
    connected: "badge-good",
    starting: "badge-warn",
    connecting: "badge-warn",
    backoff: "badge-warn",
    failed: "badge-bad",
    stopped: "badge-muted",
  };

  function renderOutputs(s) {
    const rows = s.outputs.map((o) =>
      el("tr", { attrs: { "data-output": o.id } }, [
        el("td", { text: `${o.id} (${o.kind})` }),
        el("td", {}, [
          el("span", { className: `badge ${OUTPUT_CLASS[o.state] ?? "badge-muted"}`, text: o.state }),
        ]),
        el("td", { text: String(o.restarts), className: o.restarts > 0 ? "warn" : "" }),
        el("td", { text: o.lastError ?? "—", className: o.lastError ? "error-text" : "muted" }),
      ]),
    );
    if (rows.length === 0)
      rows.push(
        el("tr", {}, [el("td", { text: "no outputs", className: "muted", attrs: { colspan: "4" } })]),
      );
    $("outputs").replaceChildren(...rows);

    const now = Date.now();
    // HLS facts per profile live in the HLS output's status.
    const hls = s.outputs.find((o) => o.kind === "hls");
    const prows = (s.profiles ?? []).map((p) => {
      const h = hls?.profiles?.[p.profile];
      return el("tr", {}, [
        el("td", { text: p.profile }),
        el("td", { text: `${p.codec} ${Math.round(p.bitrate / 1000)}k` }),
        el("td", { text: String(p.encoderRestarts), className: p.encoderRestarts > 0 ? "warn" : "" }),
        el("td", { text: h ? String(h.segments) : "—" }),
        el("td", {
          text: h?.lastSegmentWallMs
            ? `${Math.max(0, (now - h.lastSegmentWallMs) / 1000).toFixed(1)} s ago`
            : "—",
        }),
      ]);
    });
    if (prows.length === 0)
      prows.push(
        el("tr", {}, [el("td", { text: "no profiles", className: "muted", attrs: { colspan: "5" } })]),
      );
    $("profiles").replaceChildren(...prows);
  }

  function updateOutputState(ev) {
    if (!last) return;
    const o = last.outputs.find((x) => x.id === ev.id);
    if (o) {
      o.state = ev.state;
      renderOutputs(last);
    }
  }

  // ---------- switch log ----------

  const switchLog = [];
  function addSwitch(ev) {
    switchLog.unshift({ at: new Date(), ev });
    switchLog.length = Math.min(switchLog.length, LOG_MAX);
    const items = switchLog.map(({ at, ev: e }) =>
      el("li", { className: "switch" }, [
        el("time", { text: clock(at), attrs: { datetime: at.toISOString() } }),
        el("span", { className: "switch-path", text: `${e.from ?? "nothing"} → ${e.to ?? "nothing"}` }),
        el("span", { className: `badge reason reason-${e.reason}`, text: e.reason }),
        el("span", { className: "muted", text: e.transition ?? "" }),
      ]),
    );
    $("switch-log").replaceChildren(...items);
  }

  // ---------- whole status ----------

  let last = null;
  let lastStatusAt = 0;

  function render(s) {
    last = s;
    lastStatusAt = Date.now();
    document.body.classList.remove("stale");
    setText($("channel"), s.channel);
    setText($("version"), s.version ? `v${s.version}` : "");
    setText($("uptime"), `up ${duration(s.uptimeSec)}`);
    const meta = $("metadata");
    const nowPlaying = s.metadata ? [s.metadata.artist, s.metadata.title].filter(Boolean).join(" — ") : "";
    meta.hidden = !nowPlaying;
    setText(meta, nowPlaying ? `♪ ${nowPlaying}` : "");

    setText($("active"), s.active ?? "NOTHING");
    setText($("preferred"), s.preferred ?? "none (priority order)");
    $("preferred-off").hidden = s.preferred === null || s.preferred === s.active;
    $("clear-preference").disabled = busy || s.preferred === null;
    const onair = $("onair");
    const bad = s.active === null || s.program.blank;
    onair.classList.toggle("onair-bad", bad);
    onair.classList.toggle("onair-ok", !bad);
    document.title = `${s.active ?? "NOTHING"}${s.program.blank ? " (BLANK)" : ""} · ${s.channel} · antenne`;

    setMeter($("program-meter"), s.program.levelDb);
    setText($("program-level"), `${db(s.program.levelDb.rms)} / ${db(s.program.levelDb.peak)} dBFS`);
    setText($("program-lufs-s"), num(s.program.lufsShortTerm));
    setText($("program-lufs-m"), num(s.program.lufsMomentary));
    $("program-blank").hidden = !s.program.blank;

    renderInputs(s);
    renderOutputs(s);
    setupPlayer(s);
  }

  // ---------- connection ----------

  function setConn(state, text) {
    const c = $("conn");
    c.className = `conn conn-${state}`;
    setText(c, text);
  }

  function parse(e) {
    try {
      return JSON.parse(e.data);
    } catch {
      return null;
    }
  }

  function connect() {
    const es = new EventSource("/api/v1/events");
    es.addEventListener("open", () => setConn("live", "live"));
    es.addEventListener("error", () => {
      setConn("down", "disconnected: retrying…");
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
    });
    es.addEventListener("status", (e) => {
      const s = parse(e);
      if (s && Array.isArray(s.inputs)) render(s);
    });
    es.addEventListener("switch", (e) => {
      const ev = parse(e);
      if (!ev) return;
      addSwitch(ev);
      if (last) {
        last.active = ev.to;
        render(last);
      }
    });
    es.addEventListener("input", (e) => {
      const ev = parse(e);
      const card = ev && cards.get(ev.id);
      if (card) renderInputState(card, ev.state, ev.available);
    });
    es.addEventListener("output", (e) => {
      const ev = parse(e);
      if (ev) updateOutputState(ev);
    });
  }

  function watchdog() {
    if (lastStatusAt && Date.now() - lastStatusAt > STALE_MS) {
      document.body.classList.add("stale");
      setConn("down", `no data for ${Math.round((Date.now() - lastStatusAt) / 1000)} s`);
    }
    setTimeout(watchdog, 1000);
  }

  // ---------- HLS player ----------

  let playerSetUp = false;
  function setupPlayer(s) {
    if (playerSetUp) return;
    playerSetUp = true;
    const audio = $("player");
    const state = $("player-state");
    if (!s.outputs.some((o) => o.kind === "hls")) {
      audio.hidden = true;
      setText(state, "HLS output not configured for this channel.");
      return;
    }
    const url = `/hls/${encodeURIComponent(s.channel)}.m3u8`;
    audio.addEventListener("playing", () => setText(state, `playing ${url}`));
    audio.addEventListener("pause", () => setText(state, `paused: ${url}`));
    audio.addEventListener("waiting", () => setText(state, `buffering ${url}…`));
    audio.addEventListener("error", () =>
      setText(
        state,
        `player error: ${audio.error ? audio.error.message || `code ${audio.error.code}` : "unknown"}`,
      ),
    );
    // hls.js wherever Media Source Extensions exist (Chromium now also answers "maybe" for HLS,
    // but its native demuxer is young); the browser's own HLS where hls.js can't run (iOS Safari).
    // ?player=native or ?player=hlsjs forces one.
    const forced = /[?&]player=(native|hlsjs)\b/.exec(window.location.search);
    const canNative = audio.canPlayType("application/vnd.apple.mpegurl") !== "";
    const canHlsJs = typeof Hls !== "undefined" && Hls.isSupported();
    const mode = forced ? forced[1] : canHlsJs ? "hlsjs" : canNative ? "native" : "none";
    if (mode === "native") {
      audio.src = url;
      setText(state, `native HLS: ${url}`);
    } else if (mode === "hlsjs" && canHlsJs) {
      // Load segments only while playing: the page stays open all day in the control room.
      const hls = new Hls({ autoStartLoad: false });
      hls.loadSource(url);
      hls.attachMedia(audio);
      audio.addEventListener("play", () => {
        hls.startLoad(-1);
        const live = hls.liveSyncPosition;
        if (Number.isFinite(live) && audio.currentTime < live - 10) audio.currentTime = live;
      });
      audio.addEventListener("pause", () => hls.stopLoad());
      let manifestParsed = false;
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        manifestParsed = true;
        setText(state, `ready: ${url} (press play)`);
      });
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal) return;
        setText(state, `player error (${data.type}: ${data.details}); retrying…`);
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
        else if (!manifestParsed) setTimeout(() => hls.loadSource(url), 3000);
        else if (!audio.paused) setTimeout(() => hls.startLoad(-1), 2000);
      });
      setText(state, `hls.js: ${url}`);
    } else {
      audio.hidden = true;
      setText(state, `This browser cannot play HLS; open ${url} in a player.`);
    }
  }

  // ---------- listeners (when the daemon knows a listeners service) ----------

  async function pollListeners() {
    const el = $("listeners");
    try {
      const res = await fetch("/api/v1/listeners");
      if (res.status === 404) return; // not configured: stays hidden, no more polling
      if (res.ok) {
        const l = await res.json();
        setText(el, `🎧 ${l.total} listening (HLS ${l.hls}, Icecast ${l.icecast})`);
        el.hidden = false;
      } else el.hidden = true;
    } catch {
      el.hidden = true;
    }
    setTimeout(pollListeners, 10000);
  }

  connect();
  watchdog();
  pollListeners();
})();
