/**
 * EBU R128 / ITU-R BS.1770-4 momentary (400 ms) and short-term (3 s) loudness, in LUFS.
 *
 * Runs on every input all the time, so it is built to be cheap: two biquads per sample and
 * channel (the K-weighting), one squared sum, and every 100 ms block a handful of
 * additions. Readings follow the 100 ms block grid, like ffmpeg's `ebur128` filter: a
 * reading covers the last 4 (momentary) or 30 (short-term) complete blocks, and stays at
 * LOUDNESS_FLOOR_LUFS until that many blocks were seen.
 */

/** Reading for silence or a window not yet filled (ffmpeg prints -120.7 there). */
export const LOUDNESS_FLOOR_LUFS = -120;

const BLOCK_MS = 100;
const MOMENTARY_BLOCKS = 4;
const SHORT_TERM_BLOCKS = 30;

/** y[n] = b0·x[n] + b1·x[n-1] + b2·x[n-2] - a1·y[n-1] - a2·y[n-2] */
export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/**
 * The two K-weighting stages for any sample rate: the +4 dB high-shelf modelling the head,
 * then the RLB high-pass. Derived from their analog prototypes by the bilinear transform
 * (as libebur128 does); at 48 kHz this reproduces BS.1770-4 table 1 and 2 to 1e-8.
 */
export function kWeighting(sampleRate: number): { shelf: Biquad; highpass: Biquad } {
  if (!Number.isFinite(sampleRate) || sampleRate < 8000) {
    throw new RangeError(`sample rate must be ≥ 8000 Hz, got ${sampleRate}`);
  }
  let f0 = 1681.974450955533;
  const gainDb = 3.999843853973347;
  let q = 0.7071752369554196;
  let k = Math.tan((Math.PI * f0) / sampleRate);
  const vh = Math.pow(10, gainDb / 20);
  const vb = Math.pow(vh, 0.4996667741545416);
  let a0 = 1 + k / q + k * k;
  const shelf: Biquad = {
    b0: (vh + (vb * k) / q + k * k) / a0,
    b1: (2 * (k * k - vh)) / a0,
    b2: (vh - (vb * k) / q + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / q + k * k) / a0,
  };
  f0 = 38.13547087602444;
  q = 0.5003270373238773;
  k = Math.tan((Math.PI * f0) / sampleRate);
  a0 = 1 + k / q + k * k;
  // BS.1770 keeps the RLB numerator at 1, -2, 1 (unity gain well above 38 Hz).
  const highpass: Biquad = { b0: 1, b1: -2, b2: 1, a1: (2 * (k * k - 1)) / a0, a2: (1 - k / q + k * k) / a0 };
  return { shelf, highpass };
}

/**
 * Mean square → LUFS. Every channel weighs 1: right for mono, left and right (the program is
 * 1 or 2 channels; BS.1770 surround weights are not implemented).
 */
function toLufs(meanSquare: number): number {
  if (!(meanSquare > 0)) return LOUDNESS_FLOOR_LUFS;
  const l = -0.691 + 10 * Math.log10(meanSquare);
  return l > LOUDNESS_FLOOR_LUFS ? l : LOUDNESS_FLOOR_LUFS;
}

// Below this a filter state is flushed to 0: decaying states on digital silence would
// otherwise go subnormal, and subnormal arithmetic is ~100× slower on x86.
const SUBNORMAL_GUARD = 1e-30;

export class LoudnessMeter {
  /** Samples per channel in one 100 ms block. */
  readonly blockSamples: number;
  private readonly shelf: Biquad;
  private readonly highpass: Biquad;
  /** Per channel: shelf z1, z2, high-pass z1, z2 (transposed direct form II). */
  private readonly state: Float64Array;
  /** Per channel sum of squared K-weighted samples in the open block. */
  private readonly blockSum: Float64Array;
  private blockFill = 0;
  /** Mean square (summed over channels) of the last SHORT_TERM_BLOCKS blocks, a ring. */
  private readonly blocks = new Float64Array(SHORT_TERM_BLOCKS);
  private blocksSeen = 0;
  private momentaryLufs = LOUDNESS_FLOOR_LUFS;
  private shortTermLufs = LOUDNESS_FLOOR_LUFS;

  constructor(
    readonly sampleRate: number,
    readonly channels: number,
  ) {
    if (!Number.isInteger(channels) || channels < 1) {
      throw new RangeError(`channels must be a positive integer, got ${channels}`);
    }
    ({ shelf: this.shelf, highpass: this.highpass } = kWeighting(sampleRate));
    // 44.1 kHz gives 4410: every supported rate divides into whole 100 ms blocks.
    this.blockSamples = Math.round((sampleRate * BLOCK_MS) / 1000);
    this.state = new Float64Array(4 * channels);
    this.blockSum = new Float64Array(channels);
  }

  /** Momentary loudness (last 400 ms), LUFS. */
  get momentary(): number {
    return this.momentaryLufs;
  }

  /** Short-term loudness (last 3 s), LUFS. */
  get shortTerm(): number {
    return this.shortTermLufs;
  }

  /** Number of complete 100 ms blocks measured so far. */
  get blockCount(): number {
    return this.blocksSeen;
  }

  /** Feeds interleaved samples (any length that is a whole number of sample frames). */
  push(samples: Float32Array): void {
    const ch = this.channels;
    const frames = Math.floor(samples.length / ch);
    let done = 0;
    while (done < frames) {
      const n = Math.min(this.blockSamples - this.blockFill, frames - done);
      for (let c = 0; c < ch; c++) this.filterRun(samples, c, done * ch + c, n);
      done += n;
      this.blockFill += n;
      if (this.blockFill === this.blockSamples) this.closeBlock();
    }
  }

  reset(): void {
    this.state.fill(0);
    this.blockSum.fill(0);
    this.blocks.fill(0);
    this.blockFill = 0;
    this.blocksSeen = 0;
    this.momentaryLufs = LOUDNESS_FLOOR_LUFS;
    this.shortTermLufs = LOUDNESS_FLOOR_LUFS;
  }

  /** K-weights `n` samples of channel `c` starting at interleaved index `start`. Hot loop. */
  private filterRun(x: Float32Array, c: number, start: number, n: number): void {
    const st = this.state;
    const o = 4 * c;
    const { b0, b1, b2, a1, a2 } = this.shelf;
    const h1 = this.highpass.a1;
    const h2 = this.highpass.a2;
    let s1 = st[o]!;
    let s2 = st[o + 1]!;
    let r1 = st[o + 2]!;
    let r2 = st[o + 3]!;
    let sum = 0;
    const stride = this.channels;
    const end = start + n * stride;
    for (let i = start; i < end; i += stride) {
      const v = x[i]!;
      const y = b0 * v + s1;
      s1 = b1 * v - a1 * y + s2;
      s2 = b2 * v - a2 * y;
      // High-pass with numerator 1, -2, 1.
      const z = y + r1;
      r1 = -2 * y - h1 * z + r2;
      r2 = y - h2 * z;
      sum += z * z;
    }
    st[o] = Math.abs(s1) < SUBNORMAL_GUARD ? 0 : s1;
    st[o + 1] = Math.abs(s2) < SUBNORMAL_GUARD ? 0 : s2;
    st[o + 2] = Math.abs(r1) < SUBNORMAL_GUARD ? 0 : r1;
    st[o + 3] = Math.abs(r2) < SUBNORMAL_GUARD ? 0 : r2;
    this.blockSum[c] = this.blockSum[c]! + sum;
  }

  private closeBlock(): void {
    let ms = 0;
    for (let c = 0; c < this.channels; c++) {
      ms += this.blockSum[c]! / this.blockSamples;
      this.blockSum[c] = 0;
    }
    this.blockFill = 0;
    this.blocks[this.blocksSeen % SHORT_TERM_BLOCKS] = ms;
    this.blocksSeen++;
    if (this.blocksSeen >= MOMENTARY_BLOCKS) this.momentaryLufs = toLufs(this.meanOfLast(MOMENTARY_BLOCKS));
    if (this.blocksSeen >= SHORT_TERM_BLOCKS) this.shortTermLufs = toLufs(this.meanOfLast(SHORT_TERM_BLOCKS));
  }

  private meanOfLast(count: number): number {
    let sum = 0;
    for (let k = 1; k <= count; k++) sum += this.blocks[(this.blocksSeen - k) % SHORT_TERM_BLOCKS]!;
    return sum / count;
  }
}
