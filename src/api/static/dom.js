// @ts-check
// DOM helpers. Every string from the server goes into the page through textContent, never as HTML.

/** The element with this id; the page's HTML has them all, a missing one is a bug. @param {string} id */
export function $(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} missing from the page`);
  return node;
}

/**
 * Creates an element; `text` always goes through textContent.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {{ className?: string, text?: string, attrs?: Record<string, string> }} [opts]
 * @param {(Node | string)[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, opts = {}, children = []) {
  const node = document.createElement(tag);
  if (opts.className) node.className = opts.className;
  if (opts.text !== undefined) node.textContent = opts.text;
  if (opts.attrs) for (const [k, v] of Object.entries(opts.attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

/** Sets the text only when it changed (no needless layout). @param {Node} node @param {unknown} text */
export function setText(node, text) {
  const t = String(text);
  if (node.textContent !== t) node.textContent = t;
}
