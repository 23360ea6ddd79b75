/**
 * Decoded blocks to the program format (interleaved Float32, program rate and channel count)
 * through libswresample, at its default settings: the SWR engine with a Kaiser-windowed sinc
 * (filter_size 32, phase_shift 10, linear interpolation between phases, exact_rational; see
 * `filterSettings()`), and swr's default matrix for channel changes (mono → stereo at -3 dB on
 * each side, stereo → mono as (L + R) / √2, 5.1 → stereo with centre and surrounds at -3 dB).
 *
 * The converter follows its input: a block with another rate, channel count or layout drains
 * what the old converter held (those samples come first in the output) and opens a new one.
 * A block already in the program format passes through untouched (no converter, no delay).
 * All calls synchronous on the main thread (see libav.ts).
 */
import type { AudioFormat } from "../types/index.js";
import type { ChannelLayout, Libav, Ptr } from "./libav.js";
import { AV_CHANNEL_ORDER_NATIVE } from "./libav.js";

export interface PcmBlock {
  /** Interleaved Float32. */
  pcm: Float32Array;
  sampleRate: number;
  channels: number;
  /** libav native channel mask when known (a decoded block's `layoutMask`). */
  layoutMask?: bigint | null;
}

const EMPTY: Float32Array = new Float32Array(0);

/** Native memory for swr to read or write; grows, never shrinks. */
class NativeFloats {
  ptr: Ptr = 0n;
  capacity = 0;

  constructor(private readonly lib: Libav) {}

  ensure(count: number): void {
    if (count <= this.capacity) return;
    this.free();
    const cap = Math.max(count, 4096);
    this.ptr = this.lib.malloc(cap * 4);
    if (this.ptr === 0n) throw new Error("Resampler: out of memory");
    this.capacity = cap;
  }

  free(): void {
    if (this.ptr !== 0n) this.lib.free(this.ptr);
    this.ptr = 0n;
    this.capacity = 0;
  }
}

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function concat(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const popcount = (m: bigint): number => m.toString(2).replace(/0/g, "").length;

export class Resampler {
  /** Input formats configured so far (the first one included; pass-through counts). */
  configurations = 0;
  errors = 0;
  lastError: string | null = null;
  private swr: Ptr = 0n;
  private key: string | null = null;
  private closed = false;
  private readonly input: NativeFloats;
  private readonly output: NativeFloats;
  private readonly outLayout: ChannelLayout;

  constructor(
    private readonly lib: Libav,
    readonly out: AudioFormat,
  ) {
    this.input = new NativeFloats(lib);
    this.output = new NativeFloats(lib);
    this.outLayout = lib.defaultLayout(out.channels);
  }

  /**
   * Input samples buffered in the converter, in output samples (swr_get_delay with the output
   * rate as base): the program sample that follows the last output corresponds to the input
   * time of the last input sample minus this delay.
   */
  get delay(): number {
    return this.swr === 0n ? 0 : this.lib.swrDelay(this.swr, this.out.sampleRate);
  }

  /** The block in the program format (may be empty while the filter fills, or on error). */
  convert(block: PcmBlock): Float32Array {
    if (this.closed) throw new Error("Resampler: convert() after close()");
    const samples = Math.floor(block.pcm.length / block.channels);
    const key = `${block.sampleRate}/${block.channels}/${block.layoutMask ?? "default"}`;
    let head = EMPTY;
    if (key !== this.key) {
      head = this.flush();
      if (!this.configure(block)) return head;
      this.key = key;
    }
    if (this.swr === 0n) return concat(head, block.pcm);
    this.input.ensure(samples * block.channels);
    this.lib.copyIn(this.input.ptr, bytesOf(block.pcm.subarray(0, samples * block.channels)));
    return concat(head, this.run(this.input.ptr, samples));
  }

  /** Drains the converter (the filter's tail) and forgets the input format. */
  flush(): Float32Array {
    let tail = EMPTY;
    if (this.swr !== 0n) {
      tail = this.run(0n, 0);
      this.lib.swrFree(this.swr);
      this.swr = 0n;
    }
    this.key = null;
    return tail;
  }

  /** swr's resampling filter as configured (for the record; null before any conversion). */
  filterSettings(): Record<string, number | null> | null {
    if (this.swr === 0n) return null;
    const names = [
      "resampler",
      "filter_type",
      "filter_size",
      "phase_shift",
      "linear_interp",
      "exact_rational",
    ];
    return Object.fromEntries(names.map((n) => [n, this.lib.optInt(this.swr, n)]));
  }

  close(): void {
    this.closed = true;
    if (this.swr !== 0n) this.lib.swrFree(this.swr);
    this.swr = 0n;
    this.key = null;
    this.input.free();
    this.output.free();
  }

  private configure(block: PcmBlock): boolean {
    this.configurations++;
    if (block.sampleRate === this.out.sampleRate && block.channels === this.out.channels) return true;
    const mask = block.layoutMask;
    const inLayout: ChannelLayout =
      mask != null && popcount(mask) === block.channels
        ? { order: AV_CHANNEL_ORDER_NATIVE, nb_channels: block.channels, mask, opaque: null }
        : this.lib.defaultLayout(block.channels);
    const r = this.lib.swrOpen(block.sampleRate, inLayout, this.out.sampleRate, this.outLayout);
    if (typeof r !== "bigint") {
      this.error(`${r.op}: ${this.lib.strerror(r.error)} (${block.sampleRate} Hz, ${block.channels} ch)`);
      return false;
    }
    this.swr = r;
    return true;
  }

  /** One swr_convert call (`inPtr` 0n drains); its output copied out of native memory. */
  private run(inPtr: Ptr, samples: number): Float32Array {
    const cap = this.lib.swrOutSamples(this.swr, samples) + 32;
    this.output.ensure(cap * this.out.channels);
    const n = this.lib.swrConvert(this.swr, this.output.ptr, cap, inPtr, samples);
    if (n < 0) {
      this.error(`swr_convert: ${this.lib.strerror(n)}`);
      return EMPTY;
    }
    const out = new Float32Array(n * this.out.channels);
    this.lib.copyOut(bytesOf(out), this.output.ptr);
    return out;
  }

  private error(message: string): void {
    this.errors++;
    this.lastError = message;
  }
}
