/**
 * Continuity-counter state of one PID (ISO/IEC 13818-1 2.4.3.3): the 4-bit counter advances
 * with every packet that carries payload; one duplicate (same counter, same data) is allowed.
 */
export const CC_OK = 0;
/** Repeat of the previous packet: ignore it. */
export const CC_DUPLICATE = 1;
/** Packets were lost (or a second duplicate arrived). */
export const CC_LOST = 2;
export type CcResult = typeof CC_OK | typeof CC_DUPLICATE | typeof CC_LOST;

export class Continuity {
  private last = -1;
  private dup = false;

  /** Checks a packet with payload; `discontinuity` is its adaptation field's indicator. */
  check(cc: number, discontinuity: boolean): CcResult {
    const last = this.last;
    this.last = cc;
    if (last < 0 || discontinuity) {
      this.dup = false;
      return CC_OK;
    }
    if (cc === last) {
      this.dup = !this.dup;
      return this.dup ? CC_DUPLICATE : CC_LOST;
    }
    this.dup = false;
    return cc === ((last + 1) & 0x0f) ? CC_OK : CC_LOST;
  }
}
