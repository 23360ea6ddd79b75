/**
 * Summarizes a V8 sampling heap profile (pure): bytes allocated per function (self), as
 * KiB/s over the profile's window, largest first.
 */
import { frameName } from "./cpu-profile.js";

export interface HeapProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapProfileNode[];
}

export interface AllocRow {
  name: string;
  bytes: number;
}

export function allocationsByFunction(root: HeapProfileNode): AllocRow[] {
  const by = new Map<string, number>();
  const walk = (n: HeapProfileNode) => {
    if (n.selfSize > 0) {
      const k = frameName(n.callFrame);
      by.set(k, (by.get(k) ?? 0) + n.selfSize);
    }
    for (const c of n.children) walk(c);
  };
  walk(root);
  return [...by].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}
