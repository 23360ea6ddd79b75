import type { Logger } from "pino";

/**
 * A typed event emitter whose listeners cannot hurt the emitter: a listener that
 * throws is logged and the next listener still runs.
 */
export class TypedEmitter<E extends { [K in keyof E]: (...args: never[]) => void }> {
  private readonly listeners = new Map<keyof E, Set<E[keyof E]>>();

  constructor(private readonly emitterLog?: Logger) {}

  on<K extends keyof E>(event: K, fn: E[K]): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
  }

  off<K extends keyof E>(event: K, fn: E[K]): void {
    this.listeners.get(event)?.delete(fn);
  }

  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of set) {
      try {
        (fn as (...a: Parameters<E[K]>) => void)(...args);
      } catch (err) {
        this.emitterLog?.error({ err, event: String(event) }, "event listener threw");
      }
    }
  }
}
