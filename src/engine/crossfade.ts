/**
 * Equal-power crossfade between two interleaved Float32 streams, spread over as many
 * frames as it takes: the fade position runs on across calls to `mix`.
 *
 * Gains at fade position p ∈ [0, 1]: from = cos(p·π/2), to = sin(p·π/2), so
 * gFrom² + gTo² = 1 at every sample: uncorrelated sources keep a constant power through
 * the fade. (Two sample-aligned copies of the same program peak +3 dB mid-fade, for
 * `crossfadeMs` only; paths are rarely sample-aligned, and a constant-gain fade would dip
 * -3 dB on the far more common uncorrelated case.)
 */
export class Crossfade {
  private pos = 0;

  /** @param totalSamples fade length in samples per channel (crossfadeMs · sampleRate / 1000). */
  constructor(readonly totalSamples: number) {
    if (!Number.isFinite(totalSamples) || totalSamples < 0) {
      throw new RangeError(`crossfade length must be a finite number ≥ 0, got ${totalSamples}`);
    }
    this.totalSamples = Math.round(totalSamples);
  }

  /** Samples per channel already faded. */
  get position(): number {
    return this.pos;
  }

  get done(): boolean {
    return this.pos >= this.totalSamples;
  }

  /**
   * Writes the mix of `from` fading out and `to` fading in into `out` (which may be
   * `to` or `from` itself). `null` stands for silence (fade in from nothing, fade out to
   * nothing). All frames hold the same number of interleaved samples. Once the fade is
   * over, `out` is `to`.
   * @returns true while the fade is still running after this frame.
   */
  mix(from: Float32Array | null, to: Float32Array | null, out: Float32Array, channels: number): boolean {
    const frames = Math.floor(out.length / channels);
    const total = this.totalSamples;
    const step = total > 0 ? Math.PI / 2 / total : 0;
    for (let f = 0; f < frames; f++) {
      let gFrom = 0;
      let gTo = 1;
      if (this.pos < total) {
        // Sample k of the fade sits at (k + 1)/total: the first faded sample already moved
        // off the old source, the last one is entirely the new source.
        const angle = (this.pos + 1) * step;
        gFrom = Math.cos(angle);
        gTo = Math.sin(angle);
        this.pos++;
      }
      const base = f * channels;
      for (let c = 0; c < channels; c++) {
        const i = base + c;
        const a = from === null ? 0 : from[i]!;
        const b = to === null ? 0 : to[i]!;
        out[i] = a * gFrom + b * gTo;
      }
    }
    return this.pos < total;
  }
}
