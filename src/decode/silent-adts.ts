/**
 * A silent ADTS frame with the setup of another (ISO 14496-3 ADTS header, ISO 14496-3 §4.4.2
 * raw_data_block): the element layout of the frame's channel configuration, each channel an
 * individual_channel_stream with no scale factor bands (max_sfb = 0: no spectral data at all),
 * then END. Decoding it leaves a decoder's overlap buffers at silence. Pure.
 */
import { adtsSetup } from "./frame-header.js";

/** Syntactic elements per channel configuration (1-7): SCE 0, CPE 1, LFE 3. */
const ELEMENTS: Record<number, number[]> = {
  1: [0],
  2: [1],
  3: [0, 1],
  4: [0, 1, 0],
  5: [0, 1, 1],
  6: [0, 1, 1, 3],
  7: [0, 1, 1, 1, 3],
};
const ID_END = 7;

class BitWriter {
  private readonly bytes: number[] = [];
  private acc = 0;
  private n = 0;

  put(value: number, bits: number): void {
    for (let i = bits - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) {
        this.bytes.push(this.acc);
        this.acc = 0;
        this.n = 0;
      }
    }
  }

  /** The bytes written, the last one padded with zero bits. */
  done(): number[] {
    if (this.n > 0) this.put(0, 8 - this.n);
    return this.bytes;
  }
}

/** An individual_channel_stream without spectral data: long window, max_sfb 0, no tools. */
function silentChannel(w: BitWriter): void {
  w.put(100, 8); // global_gain (unused: no band carries data)
  w.put(0, 1); // ics_reserved_bit
  w.put(0, 2); // window_sequence ONLY_LONG_SEQUENCE
  w.put(0, 1); // window_shape
  w.put(0, 6); // max_sfb
  w.put(0, 1); // predictor_data_present
  w.put(0, 1); // pulse_data_present
  w.put(0, 1); // tns_data_present
  w.put(0, 1); // gain_control_data_present
}

/** A silent frame with `frame`'s ADTS setup, or null when it has none we can write (PCE-defined). */
export function silentAdtsFrame(frame: Uint8Array): Uint8Array | null {
  const setup = adtsSetup(frame);
  if (!setup) return null;
  const { mpegId, profile, rateIndex, channelConfig: config } = setup;
  const elements = ELEMENTS[config];
  if (!elements) return null;
  const body = new BitWriter();
  const tags = [0, 0, 0, 0];
  for (const id of elements) {
    body.put(id, 3);
    body.put(tags[id]!++, 4); // element_instance_tag
    if (id === 1) body.put(0, 1); // common_window
    silentChannel(body);
    if (id === 1) silentChannel(body);
  }
  body.put(ID_END, 3);
  const payload = body.done();
  const length = 7 + payload.length;
  const h = new BitWriter();
  h.put(0xfff, 12);
  h.put(mpegId, 1);
  h.put(0, 2); // layer
  h.put(1, 1); // protection_absent
  h.put(profile, 2);
  h.put(rateIndex, 4);
  h.put(0, 1); // private_bit
  h.put(config, 3);
  h.put(0, 4); // original_copy, home, copyright id bit and start
  h.put(length, 13);
  h.put(0x7ff, 11); // buffer fullness: VBR
  h.put(0, 2); // one raw_data_block
  return Uint8Array.from([...h.done(), ...payload]);
}
