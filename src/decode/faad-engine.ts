/**
 * AAC in ADTS frames through libfaad2 (faad.ts).
 *
 * faad fixes a decoder's setup (object type, sampling rate, channel configuration) at
 * NeAACDecInit and reports a frame with another setup as an error, so a change in those ADTS
 * fields opens a new decoder on that frame. faad yields no samples for a new decoder's first
 * frame, so each new decoder is first fed one silent frame of the same setup (silent-adts.ts):
 * the real frame then decodes as libavcodec decodes a stream's first frame (overlapped with
 * silence), with no hole at the start or at a format change.
 * faad outputs a mono stream as two identical channels (it must be ready for parametric stereo
 * to appear); without PS the block is folded back to mono, so mono is mono on every path (the
 * resampler's upmix, -3 dB a side, is the same for AAC as for MPEG audio). More than two
 * channels come in AAC's order (centre first); they are put in libav's native order with their
 * mask, so the resampler downmixes them by what they are.
 */
import { NO_BLOCKS, type CodecEngine, type EngineBlock, type EngineResult } from "./codec-engine.js";
import type { Faad } from "./faad.js";
import { adtsSetup } from "./frame-header.js";
import { silentAdtsFrame } from "./silent-adts.js";
import type { Ptr } from "./native-lib.js";

/** faad's channel_position codes → libav's AV_CH_* bits. */
const POSITION_MASK: Record<number, bigint> = {
  1: 0x4n, // front centre
  2: 0x1n, // front left
  3: 0x2n, // front right
  4: 0x200n, // side left
  5: 0x400n, // side right
  6: 0x10n, // back left
  7: 0x20n, // back right
  8: 0x100n, // back centre
  9: 0x8n, // LFE
};

/** The ADTS fields a faad decoder is set up by (profile, sampling index, channel config), as one key. */
function setupKey(b: Uint8Array): number {
  const s = adtsSetup(b);
  return s ? (s.profile << 8) | (s.rateIndex << 4) | s.channelConfig : -1;
}

function leftOf(stereo: Float32Array, samples: number): Float32Array {
  const out = new Float32Array(samples);
  for (let i = 0; i < samples; i++) out[i] = stereo[2 * i]!;
  return out;
}

export class FaadEngine implements CodecEngine {
  private h: Ptr = 0n;
  private setup = -1;

  constructor(private readonly faad: Faad) {}

  decode(data: Uint8Array, pts90k: number): EngineResult {
    const setup = setupKey(data);
    if (this.h === 0n || setup !== this.setup) {
      const why = this.start(data);
      if (why) return { blocks: [], error: why };
      this.setup = setup;
    }
    const f = this.faad.decode(this.h, data);
    if (f.error !== 0) return { blocks: [], error: `faad: ${this.faad.errorMessage(f.error)}` };
    if (f.values === 0 || f.buffer === 0n) return NO_BLOCKS; // an unprimed decoder's first frame
    const samples = f.values / f.channels;
    if (f.channels < 1 || !Number.isInteger(samples)) {
      return { blocks: [], error: `faad: ${f.values} values for ${f.channels} channels` };
    }
    const pcm = new Float32Array(f.values);
    this.faad.copyOut(pcm, f.buffer);
    const mono = f.channels === 2 && !f.ps && (setup & 0xf) === 1;
    const block: EngineBlock = {
      pcm: mono ? leftOf(pcm, samples) : pcm,
      sampleRate: f.sampleRate,
      channels: mono ? 1 : f.channels,
      samples,
      pts90k,
      layoutMask: null,
    };
    if (f.channels > 2) block.layoutMask = toNativeOrder(pcm, f.channels, f.positions);
    return { blocks: [block], error: null };
  }

  flush(): EngineBlock[] {
    this.stop();
    return [];
  }

  close(): void {
    this.stop();
  }

  private start(frame: Uint8Array): string | null {
    this.stop();
    this.h = this.faad.open();
    if (this.h === 0n) return "faad: NeAACDecOpen failed";
    const r = this.faad.init(this.h, frame);
    if (typeof r === "string") {
      this.stop();
      return `faad: ${r}`;
    }
    // Priming; if faad refuses it (a setup we cannot write silence for), the first frame is lost.
    const silence = silentAdtsFrame(frame);
    if (silence) this.faad.decode(this.h, silence);
    return null;
  }

  private stop(): void {
    if (this.h !== 0n) this.faad.close(this.h);
    this.h = 0n;
    this.setup = -1;
  }
}

/**
 * Reorders interleaved `pcm` in place from faad's channel positions to libav's native order
 * (ascending AV_CH_* bits) and returns the mask; null (order left as is) when a position is
 * unknown or repeated.
 */
export function toNativeOrder(pcm: Float32Array, channels: number, positions: number[]): bigint | null {
  const bits = positions.slice(0, channels).map((p) => POSITION_MASK[p] ?? 0n);
  const mask = bits.reduce((m, b) => m | b, 0n);
  if (bits.includes(0n) || bits.length !== channels || new Set(bits).size !== channels) return null;
  const order = bits
    .map((b, i) => ({ b, i }))
    .sort((x, y) => (x.b < y.b ? -1 : 1))
    .map((x) => x.i);
  if (order.every((src, dst) => src === dst)) return mask;
  const frame = new Float32Array(channels);
  for (let o = 0; o < pcm.length; o += channels) {
    for (let c = 0; c < channels; c++) frame[c] = pcm[o + order[c]!]!;
    pcm.set(frame, o);
  }
  return mask;
}
