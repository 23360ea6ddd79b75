/**
 * What an input's arrivals say about its sender, learned from arrival times alone.
 *
 * Positions are program samples (P, the program timeline) and input samples (t, the input's own
 * timeline: its timestamps, or its sample count, at the program rate). Audio whose last sample is
 * t_end arrives at program position P_arr; its offset o = P_arr − t_end is never below the true
 * transport offset (audio cannot arrive before it was made), and the arrivals that came fastest
 * show it: the minimum-delay envelope. From it:
 * - `offset(P)`: the envelope at P (1 s buckets of minima over the last `offsetWindowSec`,
 *   projected to P with the learned drift), so bursts and jitter neither shift nor drop audio;
 * - `driftPpm`: the slope of the envelope, fitted on bucket minima over `driftWindowSec` —
 *   positive when the sender's clock is fast (its t grows faster than P, so o falls);
 * - `neededDelay`: how late, relative to the envelope, the FIRST sample of each arrival was (a
 *   1 s burst carries audio made up to 1 s before it arrived): the largest over
 *   `delayWindowSec` is the delay the input must hold so the audio due is always there. Audio
 *   made before the timeline's first arrival is backlog, not lateness: an arrival counts as late
 *   by at most the time since that first arrival. (A sender connects with what it queued while
 *   connecting — ffmpeg 1.1 s on the latency bench — and sends it at once; counted as lateness it
 *   held the input that much later for the next ~20 minutes, until slewing at ≤ 0.1 % removed it,
 *   and two instances that connected at different moments held different delays.)
 *
 * Pure bookkeeping: no clock, no I/O. Bounded memory (fixed number of buckets).
 */

export interface EnvelopeOptions {
  sampleRate: number;
  offsetWindowSec?: number;
  driftWindowSec?: number;
  delayWindowSec?: number;
}

interface Bucket {
  /** Bucket index: floor(P / rate). */
  k: number;
  /** Smallest offset seen in the bucket, and where. */
  minO: number;
  minP: number;
  /**
   * Largest offset of an arrival's FIRST sample (P_arr − t_start) in the bucket, and where: the
   * lateness against the envelope is taken when asked, so a later, lower envelope counts too.
   */
  maxFirst: number;
  maxP: number;
  /** Largest buffering the stream itself declared (MPEG-TS: PTS − PCR at arrival), samples. */
  maxDeclared: number;
}

/** Span of bucket minima needed before a slope is trusted (a shorter fit is mostly jitter). */
const MIN_DRIFT_SPAN_SEC = 60;

export class ArrivalEnvelope {
  private readonly rate: number;
  private readonly offsetWindow: number;
  private readonly driftWindow: number;
  private readonly delayWindow: number;
  private buckets: Bucket[] = [];
  private slopeO = 0;
  private fitted = false;
  /** Program position of the timeline's first arrival. */
  private firstP: number | null = null;

  constructor(o: EnvelopeOptions) {
    this.rate = o.sampleRate;
    this.offsetWindow = o.offsetWindowSec ?? 10;
    this.driftWindow = o.driftWindowSec ?? 300;
    this.delayWindow = o.delayWindowSec ?? 60;
  }

  /** True once anything arrived (since the last reset). */
  get primed(): boolean {
    return this.buckets.length > 0;
  }

  /** Forgets everything (a new connection, a timeline break). */
  reset(): void {
    this.buckets = [];
    this.slopeO = 0;
    this.fitted = false;
    this.firstP = null;
  }

  /**
   * Audio [tStart, tEnd) arrived at program position `pArr`. `declared`: the buffering the
   * stream says it needs for this audio (an MPEG-TS frame's PTS minus the PCR when it arrived:
   * what a T-STD decoder would hold), when it says.
   */
  observe(pArr: number, tStart: number, tEnd: number, declared = 0): void {
    const o = pArr - tEnd;
    const k = Math.floor(pArr / this.rate);
    this.firstP ??= pArr;
    let b = this.buckets.at(-1);
    const first = pArr - tStart;
    if (!b || b.k !== k) {
      b = { k, minO: o, minP: pArr, maxFirst: first, maxP: pArr, maxDeclared: declared };
      this.buckets.push(b);
      const keep = Math.max(this.driftWindow, this.delayWindow, this.offsetWindow) + 1;
      while (this.buckets.length > 0 && this.buckets[0]!.k <= k - keep) this.buckets.shift();
      this.refit();
    } else {
      if (o < b.minO) {
        b.minO = o;
        b.minP = pArr;
      }
      if (first > b.maxFirst) {
        b.maxFirst = first;
        b.maxP = pArr;
      }
      if (declared > b.maxDeclared) b.maxDeclared = declared;
    }
  }

  /** The envelope at program position `p`: the smallest transport offset, samples. */
  offset(p: number): number {
    const from = Math.floor(p / this.rate) - this.offsetWindow;
    let best = Infinity;
    for (let i = this.buckets.length - 1; i >= 0; i--) {
      const b = this.buckets[i]!;
      if (b.k < from) break;
      // Each bucket's minimum, carried to p along the learned drift.
      const projected = b.minO + this.slopeO * (p - b.minP);
      if (projected < best) best = projected;
    }
    return best === Infinity ? 0 : best;
  }

  /** The sender's clock against ours, ppm (positive: the sender is fast). 0 until learned. */
  get driftPpm(): number {
    return this.fitted ? -this.slopeO * 1e6 : 0;
  }

  /** Input samples per program sample (1 + drift). */
  get ratio(): number {
    return 1 - (this.fitted ? this.slopeO : 0);
  }

  /**
   * The delay (samples past the envelope) that would have held every recent arrival in time
   * (`seen`), and the largest buffering the stream declared for its audio (`declared`).
   */
  neededDelay(p: number): { seen: number; declared: number } {
    const from = Math.floor(p / this.rate) - this.delayWindow;
    const off = this.offset(p);
    const firstP = this.firstP ?? 0;
    let worst = 0;
    let declared = 0;
    // Per input and program frame: newest first, stopping at the window (buckets are in k order).
    for (let i = this.buckets.length - 1; i >= 0; i--) {
      const b = this.buckets[i]!;
      if (b.k < from) break;
      const late = b.maxFirst + this.slopeO * (p - b.maxP) - off;
      // Backlog: no later than the time since the first arrival.
      const counted = Math.min(late, b.maxP - firstP);
      if (counted > worst) worst = counted;
      if (b.maxDeclared > declared) declared = b.maxDeclared;
    }
    // The stream's own declaration covers what has not happened yet (ffmpeg's muxer holds up to
    // 0.7 s of digital silence before it sends it, while a tone goes every ~0.3 s).
    return { seen: worst, declared };
  }

  /**
   * The envelope's slope: the bucket minima lie on or above the true offset line (delays are
   * never negative), so the line is an edge of their lower convex hull — the one over the middle
   * of the window (the linear-programming estimate of clock synchronisation). One-sided jitter,
   * however large, does not bias it, unlike a least-squares fit.
   */
  private refit(): void {
    const last = this.buckets.at(-1);
    if (!last) return;
    const pts = this.buckets.slice(0, -1).filter((b) => b.k > last.k - this.driftWindow);
    const first = pts[0];
    const end = pts.at(-1);
    if (!first || !end || (end.minP - first.minP) / this.rate < MIN_DRIFT_SPAN_SEC) return;
    const hull = lowerHull(pts.map((b) => [b.minP - first.minP, b.minO - first.minO] as const));
    const mid = (end.minP - first.minP) / 2;
    for (let i = 1; i < hull.length; i++) {
      const [x0, y0] = hull[i - 1]!;
      const [x1, y1] = hull[i]!;
      if (x1 >= mid || i === hull.length - 1) {
        if (x1 > x0) {
          this.slopeO = (y1 - y0) / (x1 - x0);
          this.fitted = true;
        }
        return;
      }
    }
  }
}

/** Lower convex hull of points sorted by x (Andrew's monotone chain). */
function lowerHull(pts: readonly (readonly [number, number])[]): (readonly [number, number])[] {
  const h: (readonly [number, number])[] = [];
  for (const p of pts) {
    while (h.length >= 2) {
      const [ax, ay] = h[h.length - 2]!;
      const [bx, by] = h[h.length - 1]!;
      // Pop b while it lies on or above the segment a → p.
      if ((bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax) <= 0) h.pop();
      else break;
    }
    h.push(p);
  }
  return h;
}
