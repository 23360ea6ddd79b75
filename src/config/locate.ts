/** Finds where a key path is written in a parsed YAML document. */
import { isMap, isScalar, type Document, type Node } from "yaml";

/**
 * The node of `path` (its value), or of the deepest part of it that exists: the key that
 * starts the missing part, else the nearest enclosing node. With `key`, the key node of that
 * entry inside the map at `path` (an unknown key is reported at the key itself).
 */
export function locate(doc: Document, path: string[], key?: string): Node | undefined {
  const segs: (string | number)[] = path.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  for (let n = segs.length; n >= 0; n--) {
    const target = doc.getIn(segs.slice(0, n), true) as unknown;
    if (n === segs.length && key !== undefined && isMap(target)) {
      const pair = target.items.find((it) => isScalar(it.key) && it.key.value === key);
      if (pair && isScalar(pair.key)) return pair.key;
    }
    if (n < segs.length && isMap(target)) {
      const next = segs[n];
      const pair = target.items.find((it) => isScalar(it.key) && it.key.value === next);
      if (pair && isScalar(pair.key)) return pair.key;
    }
    if (target && typeof target === "object" && "range" in target) return target as Node;
  }
  return undefined;
}
