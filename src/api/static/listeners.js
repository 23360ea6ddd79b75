// @ts-check
// The audience, when the daemon knows a listeners service (api.listenersUrl): GET
// /api/v1/listeners every 10 s. A 404 means none is configured: the count stays hidden for good.
import { $, setText } from "./dom.js";

/** @typedef {import("../../listeners/listeners-metrics.js").ListenerCounts} ListenerCounts */

const EVERY_MS = 10_000;

/** @param {unknown} v @returns {v is ListenerCounts} */
function isCounts(v) {
  return (
    typeof v === "object" &&
    v !== null &&
    "total" in v &&
    typeof v.total === "number" &&
    "hls" in v &&
    typeof v.hls === "number" &&
    "icecast" in v &&
    typeof v.icecast === "number"
  );
}

export async function pollListeners() {
  const node = $("listeners");
  try {
    const res = await fetch("/api/v1/listeners");
    if (res.status === 404) return;
    const counts = res.ok ? /** @type {unknown} */ (await res.json()) : null;
    node.hidden = !isCounts(counts);
    if (isCounts(counts))
      setText(node, `🎧 ${counts.total} listening (HLS ${counts.hls}, Icecast ${counts.icecast})`);
  } catch {
    node.hidden = true;
  }
  setTimeout(() => void pollListeners(), EVERY_MS);
}
