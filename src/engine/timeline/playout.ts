/**
 * The playout of one timeline: which input position t each program position P plays.
 *
 *   t*(P) = P − offset(P) − D
 *
 * offset: the minimum-delay envelope of the arrivals (arrival-envelope.ts); D: the delay held past
 * it, the input's jitter target, adapted to the sender within [minDelay, maxDelay]. The read
 * position follows t* through a small controller: it advances at the sender's learned rate
 * (drift) plus a correction of at most ±0.1 % that removes the remaining error, and it jumps
 * instead only when nobody hears it (the timeline is not on air) or the error is too large to
 * slew. Total rate deviation stays within ±0.2 %: headroom beyond the ±0.1 % senders SPEC §3
 * allows.
 *
 * Inputs that carry the same programme from one encoder (a group: the same MPEG-TS over
 * several paths) share ONE playout: one mapping, one D (the largest any member needs), so a
 * switch between them lands on the same input position — nothing repeated or skipped. Inputs of
 * different encoders each have their own.
 *
 * Policy for D: while the timeline is off air it follows the need at once (a jump costs
 * nothing); on air it never grows (audio due that did not come is an underrun, the switcher fails
 * over, and the next priming takes the larger D), and it shrinks only after the need stayed well
 * below it for `shrinkAfterSec`, by slewing.
 */
import type { Logger } from "pino";
import type { ArrivalEnvelope } from "./arrival-envelope.js";

export interface PlayoutMember {
  readonly id: string;
  readonly envelope: ArrivalEnvelope;
  /** Connected, with arrivals on its current timeline. */
  live(): boolean;
  /** Monotonic count of timeline resets (new connection, discontinuity): the newest leads. */
  readonly epoch: number;
  /** Delivers far faster than real time: its timeline is held at the target by jumping. */
  racing(): boolean;
}

export interface PlayoutOptions {
  id: string;
  sampleRate: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** True while one of the members is on air. */
  onAir: () => boolean;
  log: Logger;
}

/**
 * The delay held past the worst lateness seen: a quarter more (a bursty sender's next burst is
 * often a little later than the ones learned from: srt-live-transmit's carry-over, a loaded
 * sender) plus a margin for the tick that reads the audio.
 */
const HEADROOM = 1.25;
const DECLARED_SLACK_MS = 150;
const MARGIN_MS = 20;
/** Off air, errors above this are removed by a jump rather than slewed. */
const JUMP_OFF_AIR_MS = 5;
/** On air, errors above this cannot be slewed in reasonable time: jump (it is audible once). */
const JUMP_ON_AIR_MS = 2000;
const MAX_CORRECTION = 0.001;
const MAX_DEVIATION = 0.002;
/** The correction removes an error in about this long (bounded by MAX_CORRECTION). */
const CORRECTION_SEC = 10;
const SHRINK_HYSTERESIS_MS = 100;
const SHRINK_AFTER_SEC = 30;
/** Members whose timeline is this far from the leader's carry something else: ignored. */
const SAME_TIMELINE_SEC = 5;

export interface FramePlan {
  /** Input position of the frame's first sample. */
  t0: number;
  /** Input samples per program sample for this frame. */
  step: number;
}

export class Playout {
  readonly members: PlayoutMember[] = [];
  /** Current jitter target D, samples. */
  delay: number;
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private readonly rate: number;
  private plan: FramePlan | null = null;
  private planP = NaN;
  private tNext: number | null = null;
  private pNext: number | null = null;
  private lowSinceP: number | null = null;
  private loggedDelay = 0;
  private readonly liveM: PlayoutMember[] = [];
  private readonly liveOff: number[] = [];

  constructor(private readonly o: PlayoutOptions) {
    this.rate = o.sampleRate;
    this.minDelay = (o.minDelayMs / 1000) * this.rate;
    this.maxDelay = Math.max(this.minDelay, (o.maxDelayMs / 1000) * this.rate);
    this.delay = this.minDelay;
  }

  join(m: PlayoutMember): void {
    this.members.push(m);
  }

  get delayMs(): number {
    return (this.delay / this.rate) * 1000;
  }

  get maxDelayMs(): number {
    return (this.maxDelay / this.rate) * 1000;
  }

  /**
   * The envelope offset at `p` of the other live members (null without any): a member starting a
   * timeline aligns on it (its PTS may sit in another 2^33 epoch than theirs).
   */
  referenceOffset(p: number, except: PlayoutMember): number | null {
    const others = this.members.filter((m) => m !== except && m.live() && m.envelope.primed);
    return others.length === 0 ? null : Math.max(...others.map((m) => m.envelope.offset(p)));
  }

  /** One of the members is on air now. */
  onAirNow(): boolean {
    return this.o.onAir();
  }

  /** Where the next frame will read (input position), or null while nothing is primed. */
  get position(): number | null {
    return this.tNext;
  }

  /** The program position of that next frame. */
  get nextProgramPosition(): number | null {
    return this.pNext;
  }

  /** The read plan of the frame at program position P (the same for every member). */
  frame(p: number, frames: number): FramePlan | null {
    if (p === this.planP) return this.plan;
    this.planP = p;
    this.plan = this.computePlan(p, frames);
    return this.plan;
  }

  /**
   * The members on the leader's timeline, into `liveM`/`liveOff` (their envelope offsets at the
   * plan's P), reused frame after frame: this runs per input and program frame. Returns the count.
   */
  private collectLive(): number {
    // Written by index, never truncated (setting length frees the arrays' storage).
    const ms = this.liveM;
    const offs = this.liveOff;
    let leader: PlayoutMember | null = null;
    let k = 0;
    for (const m of this.members) {
      if (!m.live() || !m.envelope.primed) continue;
      ms[k++] = m;
      if (leader === null || m.epoch > leader.epoch) leader = m;
    }
    if (leader === null) return 0;
    const lead = leader.envelope.offset(this.planP);
    let n = 0;
    for (let i = 0; i < k; i++) {
      const m = ms[i]!;
      const off = m.envelope.offset(this.planP);
      if (Math.abs(off - lead) > SAME_TIMELINE_SEC * this.rate) continue;
      ms[n] = m;
      offs[n++] = off;
    }
    return n;
  }

  private computePlan(p: number, frames: number): FramePlan | null {
    const n = this.collectLive();
    if (n === 0) {
      this.tNext = this.pNext = null;
      return null;
    }
    const ms = this.liveM;
    const offs = this.liveOff;
    // The latest path sets the offset; each member's lateness is measured on its own envelope.
    let off = -Infinity;
    // A sender racing ahead of real time always has the audio due: it needs no more than the least.
    let racing = false;
    let ratios = 0;
    for (let i = 0; i < n; i++) {
      off = Math.max(off, offs[i]!);
      racing ||= ms[i]!.racing();
      ratios += ms[i]!.envelope.ratio;
    }
    let need = racing ? 0 : -Infinity;
    for (let i = 0; i < n && !racing; i++)
      need = Math.max(need, wantedDelay(ms[i]!.envelope.neededDelay(p), this.rate) - (off - offs[i]!));
    const onAir = this.o.onAir();
    this.updateDelay(p, need + (MARGIN_MS / 1000) * this.rate, onAir && this.tNext !== null && !racing);
    const target = p - off - this.delay;
    let t = this.tNext;
    if (t === null || this.pNext !== p) t = target;
    let err = target - t;
    // A sender far faster than real time cannot be slewed after: hold the target by jumping
    // (its oldest audio is dropped, counted as overruns) — on air too.
    const holdByJumps = !onAir || racing;
    const jumpAt = ((holdByJumps ? JUMP_OFF_AIR_MS : JUMP_ON_AIR_MS) / 1000) * this.rate;
    if (Math.abs(err) > jumpAt) {
      t = target;
      err = 0;
    }
    const base = ratios / n;
    const correction = clamp(err / (CORRECTION_SEC * this.rate), MAX_CORRECTION);
    const step = 1 + clamp(base - 1 + correction, MAX_DEVIATION);
    this.tNext = t + frames * step;
    this.pNext = p + frames;
    return { t0: t, step };
  }

  /**
   * The on-air timeline ran dry on silence: hold its position for this frame instead (the
   * listener hears the silence go on) and grow the delay by the frame, so a sender whose silent
   * stretches come in longer bursts is waited for rather than failed over. Bounded by the cap;
   * a single path only (a group fails over to its other paths instead). True when held.
   */
  stall(frames: number, plan: FramePlan): boolean {
    if (this.members.length !== 1 || this.delay + frames > this.maxDelay) return false;
    this.tNext = plan.t0;
    this.delay += frames;
    this.lowSinceP = null;
    return true;
  }

  private updateDelay(p: number, need: number, onAir: boolean): void {
    // On a 10 ms grid: two instances fed the same stream measure needs a few µs apart, and must
    // hold the same delay to put the same audio at the same UTC position.
    const step = this.rate / 100;
    const wanted = Math.min(this.maxDelay, Math.max(this.minDelay, Math.ceil(need / step) * step));
    if (!onAir) {
      this.lowSinceP = null;
      this.setDelay(wanted);
      return;
    }
    if (wanted < this.delay - (SHRINK_HYSTERESIS_MS / 1000) * this.rate) {
      this.lowSinceP ??= p;
      if (p - this.lowSinceP >= SHRINK_AFTER_SEC * this.rate) {
        this.lowSinceP = null;
        this.setDelay(wanted);
      }
    } else {
      this.lowSinceP = null;
    }
  }

  private setDelay(d: number): void {
    this.delay = d;
    const ms = Math.round((d / this.rate) * 1000);
    if (Math.abs(ms - this.loggedDelay) >= 20) {
      this.o.log.info(
        { input: this.o.id, targetDelayMs: ms, fromMs: this.loggedDelay },
        "input target delay changed",
      );
      this.loggedDelay = ms;
    }
  }
}

/**
 * What the arrivals showed gets headroom; what the stream declared (MPEG-TS: PTS − PCR, the
 * T-STD buffering) is exact and, being a property of the stream, the same on every instance fed
 * with it: it rules unless the path proved burstier than the stream by more than DECLARED_SLACK_MS
 * (a relay that buffers). So two instances fed one stream hold one delay, and put the same audio
 * at the same UTC position.
 */
function wantedDelay(n: { seen: number; declared: number }, rate: number): number {
  const seen = n.seen * HEADROOM;
  if (n.declared <= 0) return seen;
  return seen > n.declared + (DECLARED_SLACK_MS / 1000) * rate ? seen : n.declared;
}

function clamp(x: number, lim: number): number {
  return x > lim ? lim : x < -lim ? -lim : x;
}
