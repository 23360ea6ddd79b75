/**
 * Manual switching as the API asks for it: validated at once, answered once the switch is on air
 * (the frame that carries it was produced) or refused at its frame; the preference is persisted
 * only when the switch happened.
 */
import type { Clock } from "../clock/clock.js";
import type { ChannelSwitch } from "../engine/switch-driver.js";
import type { StateStore } from "../types/index.js";
import type { SwitchResult } from "./view.js";

/** A stalled program clock must not hang the API: the request is refused after this. */
const OUTCOME_TIMEOUT_MS = 2000;

export const PREFERRED_KEY = "preferred";

export class SwitchControl {
  constructor(
    private readonly sw: ChannelSwitch,
    private readonly state: StateStore,
    private readonly clock: Clock,
  ) {}

  async request(id: string): Promise<Exclude<SwitchResult, { ok: true }> | { ok: true }> {
    const r = this.sw.request(id, this.clock.monoMs());
    if (!r.ok)
      return { ok: false, code: r.code === "unknown" ? "unknown-input" : "unavailable", message: r.reason };
    let timer: { cancel(): void } | null = null;
    const timeout = new Promise<{ applied: false; reason: string }>((resolve) => {
      timer = this.clock.timeout(
        () => resolve({ applied: false, reason: "the program clock did not reach the switch in time" }),
        OUTCOME_TIMEOUT_MS,
      );
    });
    const outcome = await Promise.race([r.outcome, timeout]);
    (timer as { cancel(): void } | null)?.cancel();
    if (!outcome.applied) this.sw.withdraw(outcome.reason);
    if (!outcome.applied)
      return { ok: false, code: "refused", message: `switch to "${id}" refused: ${outcome.reason}` };
    // Answered once durable: a preference the API confirmed survives a restart right after.
    this.state.set(PREFERRED_KEY, id);
    await this.state.flush();
    return { ok: true };
  }

  async clear(): Promise<void> {
    this.sw.clear();
    this.state.set(PREFERRED_KEY, undefined);
    await this.state.flush();
  }
}
