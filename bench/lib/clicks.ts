/**
 * Marked instants for the latency bench (pure): a continuous tone (so every daemon sees a live,
 * non-blank input) with short loud clicks at seeded, irregular intervals. The irregular spacing
 * spreads the clicks over every position within a segment and lets the clicks found in the
 * output be matched to the clicks sent without any clock shared between sender and daemon.
 */

export const TONE_HZ = 440;
export const TONE_AMPLITUDE = 0.1;
export const CLICK_HZ = 3000;
export const CLICK_AMPLITUDE = 0.8;
export const CLICK_MS = 10;
/** A sample above this (after a lossy round trip) is a click: 4× the tone, half the click. */
export const DETECT_THRESHOLD = 0.4;

/** Generates interleaved s16 stereo PCM, chunk by chunk, phase-continuous. */
export class ClickSignal {
  /** Samples (per channel) generated so far. */
  position = 0;
  private nextClick = Infinity;
  private clickUntil = -1;
  private clickStart = 0;

  constructor(
    readonly rate: number,
    private readonly rng: () => number,
    readonly minGapS = 1.1,
    readonly maxGapS = 1.9,
  ) {}

  /** From now on, clicks: the first `afterS` from the current position. */
  startClicks(afterS = 0.5): void {
    this.nextClick = this.position + Math.round(afterS * this.rate);
  }

  stopClicks(): void {
    this.nextClick = Infinity;
  }

  /** The next `frames` samples; `clicks` lists the positions of click onsets among them. */
  chunk(frames: number): { pcm: Buffer; clicks: number[] } {
    const pcm = Buffer.alloc(frames * 4);
    const clicks: number[] = [];
    const clickLen = Math.round((CLICK_MS / 1000) * this.rate);
    for (let i = 0; i < frames; i++) {
      const n = this.position + i;
      if (n === this.nextClick) {
        clicks.push(n);
        this.clickStart = n;
        this.clickUntil = n + clickLen;
        const gap = this.minGapS + (this.maxGapS - this.minGapS) * this.rng();
        this.nextClick = n + Math.round(gap * this.rate);
      }
      let v = TONE_AMPLITUDE * Math.sin((2 * Math.PI * TONE_HZ * n) / this.rate);
      if (n < this.clickUntil)
        v = CLICK_AMPLITUDE * Math.sin((2 * Math.PI * CLICK_HZ * (n - this.clickStart)) / this.rate);
      const s = Math.round(v * 32767);
      pcm.writeInt16LE(s, i * 4);
      pcm.writeInt16LE(s, i * 4 + 2);
    }
    this.position += frames;
    return { pcm, clicks };
  }
}

/** Onsets (sample indexes) of clicks in mono PCM: first sample above the threshold after quiet. */
export function detectOnsets(pcm: Float32Array, rate: number, threshold = DETECT_THRESHOLD): number[] {
  const refractory = Math.round(0.5 * rate);
  const out: number[] = [];
  let last = -Infinity;
  for (let i = 0; i < pcm.length; i++) {
    if (Math.abs(pcm[i]!) > threshold && i - last > refractory) {
      out.push(i);
      last = i;
    } else if (Math.abs(pcm[i]!) > threshold) last = i;
  }
  return out;
}

/**
 * The offset (output position − sent position, samples) that lines up most detected clicks
 * with sent ones, within `tol` samples: every pairwise difference is a candidate, the one with
 * the most others within `tol` wins. Null without any detected click.
 */
export function alignOffset(
  detected: number[],
  sent: number[],
  tol: number,
): { offset: number; votes: number } | null {
  const diffs = detected.flatMap((d) => sent.map((s) => d - s)).sort((a, b) => a - b);
  let best: { offset: number; votes: number } | null = null;
  let lo = 0;
  for (let hi = 0; hi < diffs.length; hi++) {
    while (diffs[hi]! - diffs[lo]! > 2 * tol) lo++;
    const votes = hi - lo + 1;
    if (!best || votes > best.votes) best = { offset: Math.round((diffs[hi]! + diffs[lo]!) / 2), votes };
  }
  return best;
}

/**
 * For each detected click (in output order), the index of the sent click it is, or -1: within
 * `tol` of the sent click after offsetting. The offset follows the clicks: a receiver's delay
 * changes slowly (antenne shrinks its jitter target by ≤ 0.1 %), so over minutes it moves by more
 * than `tol`. Matching starts at the first click that fits the global `offset` and walks both
 * ways, each match taking the offset of the last one (clicks are ≥ 1.1 s apart, far more than the
 * change between two of them).
 */
export function matchClicks(detected: number[], sent: number[], offset: number, tol: number): number[] {
  const nearest = (d: number, off: number): number => {
    let best = -1;
    for (let j = 0; j < sent.length; j++) {
      const err = Math.abs(d - off - sent[j]!);
      if (err <= tol && (best < 0 || err < Math.abs(d - off - sent[best]!))) best = j;
    }
    return best;
  };
  const out = detected.map(() => -1);
  const anchor = detected.findIndex((d) => nearest(d, offset) >= 0);
  if (anchor < 0) return out;
  for (const dir of [1, -1]) {
    let off = offset;
    for (let i = anchor; i >= 0 && i < detected.length; i += dir) {
      const j = nearest(detected[i]!, off);
      out[i] = j;
      if (j >= 0) off = detected[i]! - sent[j]!;
    }
  }
  return out;
}
