// @ts-check
// The message bar: errors stay until dismissed, confirmations fade after a few seconds.
import { $, setText } from "./dom.js";

const INFO_MS = 4000;
let seq = 0;

/** @param {string} text @param {"error" | "info"} [kind] */
export function showMessage(text, kind = "error") {
  const mine = ++seq;
  const box = $("message");
  box.className = `message message-${kind}`;
  setText($("message-text"), text);
  box.hidden = false;
  if (kind !== "error") {
    setTimeout(() => {
      if (mine === seq) box.hidden = true;
    }, INFO_MS);
  }
}

export function wireMessage() {
  $("message-close").addEventListener("click", () => {
    seq++;
    $("message").hidden = true;
  });
}
