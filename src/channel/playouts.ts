/**
 * The channel's playouts: one per timeline. Paths of one programme (SRT inputs with the same
 * `group`) share theirs, so a switch between them lands on the same input position; every other
 * live input has its own. A playout is on air while one of its members is the active input.
 */
import type { Logger } from "pino";
import { Playout } from "../engine/timeline/playout.js";

export interface PlayoutsOptions {
  sampleRate: number;
  bufferMs: number;
  maxBufferMs: number;
  active: () => string | null;
  log: Logger;
}

export class Playouts {
  private readonly byKey = new Map<string, Playout>();

  constructor(private readonly o: PlayoutsOptions) {}

  /** The playout of `group`, or the input's own when it has none. */
  for(inputId: string, group: string | null): Playout {
    const key = group ?? `input:${inputId}`;
    let p = this.byKey.get(key);
    if (!p) {
      const created: Playout = new Playout({
        id: key,
        sampleRate: this.o.sampleRate,
        minDelayMs: this.o.bufferMs,
        maxDelayMs: this.o.maxBufferMs,
        onAir: () => created.members.some((m) => m.id === this.o.active()),
        log: this.o.log,
      });
      this.byKey.set(key, (p = created));
    }
    return p;
  }
}
