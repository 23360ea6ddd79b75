/**
 * Low-level MPEG-TS (ISO/IEC 13818-1) building blocks: 188-byte packets with
 * adaptation-field stuffing, PSI sections (PAT, PMT) with their CRC, PTS and PCR
 * fields. Pure functions on buffers; the muxer composes them.
 */

export const TS_PACKET_SIZE = 188;
const TS_HEADER_SIZE = 4;
const MAX_PAYLOAD = TS_PACKET_SIZE - TS_HEADER_SIZE;
const SYNC_BYTE = 0x47;
/** 33-bit PTS/PCR base wraps here (~26.5 h at 90 kHz); players handle the wrap. */
export const TS_CLOCK_WRAP = 2 ** 33;

const CRC_TABLE = buildCrcTable();

function buildCrcTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let b = 0; b < 8; b++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
}

/** CRC-32/MPEG-2 (poly 0x04C11DB7, init all ones, no reflection, no final xor), as PSI requires. */
export function crc32Mpeg(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ byte) & 0xff] ?? 0)) >>> 0;
  return crc >>> 0;
}

export interface AdaptationOptions {
  /** 27 MHz-derived PCR base in 90 kHz ticks (extension written as 0). */
  pcr?: number;
  randomAccess?: boolean;
  /** Signals that continuity counter / time base breaks here (after an HLS discontinuity). */
  discontinuity?: boolean;
}

/**
 * Writes as many TS packets as `payload` needs for one PID. The first packet gets
 * PUSI (when `unitStart`) and the adaptation options; the last one is padded with
 * adaptation-field stuffing (never with payload bytes, which would corrupt PES data).
 * Returns the packets and the continuity counter to use next.
 */
export function packetize(
  pid: number,
  payload: Uint8Array,
  cc: number,
  unitStart: boolean,
  af: AdaptationOptions = {},
): { packets: Buffer; nextCc: number } {
  const out: Buffer[] = [];
  let offset = 0;
  let first = true;
  while (first || offset < payload.length) {
    const opts = first ? af : {};
    const afMin = adaptationSize(opts);
    const room = MAX_PAYLOAD - afMin;
    const n = Math.min(room, payload.length - offset);
    // The adaptation field grows to fill whatever the payload leaves empty.
    const afLen = MAX_PAYLOAD - n;
    const pkt = Buffer.alloc(TS_PACKET_SIZE, 0xff);
    pkt[0] = SYNC_BYTE;
    pkt[1] = ((first && unitStart ? 0x40 : 0) | ((pid >> 8) & 0x1f)) & 0xff;
    pkt[2] = pid & 0xff;
    pkt[3] = (afLen > 0 ? 0x30 : 0x10) | (cc & 0x0f);
    if (afLen > 0) writeAdaptation(pkt, TS_HEADER_SIZE, afLen, opts);
    pkt.set(payload.subarray(offset, offset + n), TS_HEADER_SIZE + afLen);
    out.push(pkt);
    offset += n;
    cc = (cc + 1) & 0x0f;
    first = false;
  }
  return { packets: Buffer.concat(out), nextCc: cc };
}

/** Bytes the adaptation field needs at least (0 when none is needed). */
function adaptationSize(o: AdaptationOptions): number {
  if (o.pcr === undefined && !o.randomAccess && !o.discontinuity) return 0;
  return 2 + (o.pcr !== undefined ? 6 : 0);
}

/** `total` counts the length byte itself; the rest is flags, PCR, then 0xFF stuffing. */
function writeAdaptation(pkt: Buffer, at: number, total: number, o: AdaptationOptions): void {
  pkt[at] = total - 1;
  if (total === 1) return; // a lone length byte of 0 is the 1-byte stuffing form
  pkt[at + 1] = (o.discontinuity ? 0x80 : 0) | (o.randomAccess ? 0x40 : 0) | (o.pcr !== undefined ? 0x10 : 0);
  if (o.pcr !== undefined) writePcr(pkt, at + 2, o.pcr);
}

function writePcr(buf: Buffer, at: number, base90k: number): void {
  const base = mod(Math.floor(base90k), TS_CLOCK_WRAP);
  const hi = Math.floor(base / 2 ** 25); // bits 32..25
  const lo = base % 2 ** 25;
  buf[at] = hi & 0xff;
  buf[at + 1] = (lo >>> 17) & 0xff;
  buf[at + 2] = (lo >>> 9) & 0xff;
  buf[at + 3] = (lo >>> 1) & 0xff;
  buf[at + 4] = ((lo & 1) << 7) | 0x7e; // 6 reserved bits set, extension bit 8 = 0
  buf[at + 5] = 0x00;
}

/** The 5-byte PTS field with the '0010' prefix (PTS only, no DTS: audio). */
export function encodePts(pts90k: number): Buffer {
  const pts = mod(Math.floor(pts90k), TS_CLOCK_WRAP);
  const hi = Math.floor(pts / 2 ** 30) & 0x07;
  const lo = pts % 2 ** 30;
  return Buffer.from([
    0x21 | (hi << 1),
    (lo >>> 22) & 0xff,
    ((lo >>> 14) & 0xfe) | 1,
    (lo >>> 7) & 0xff,
    ((lo << 1) & 0xfe) | 1,
  ]);
}

export function decodePts(b: Uint8Array, at = 0): number {
  const g = (i: number) => b[at + i] ?? 0;
  const hi = (g(0) >> 1) & 0x07;
  const lo = (g(1) << 22) | ((g(2) >> 1) << 15) | (g(3) << 7) | (g(4) >> 1);
  return hi * 2 ** 30 + (lo >>> 0);
}

/** A PES packet for an audio elementary stream (stream_id 0xC0), PTS only, data-aligned. */
export function buildPes(pts90k: number, data: Uint8Array): Buffer {
  const headerRest = 3 + 5; // flags (2) + header length (1) + PTS (5)
  const len = headerRest + data.length;
  // PES_packet_length is 16 bits; 0 ("unbounded") is legal only for video, so callers keep PES small.
  if (len > 0xffff) throw new RangeError(`PES payload of ${data.length} bytes exceeds 65535`);
  const head = Buffer.from([0x00, 0x00, 0x01, 0xc0, (len >> 8) & 0xff, len & 0xff, 0x84, 0x80, 0x05]);
  return Buffer.concat([head, encodePts(pts90k), data]);
}

/** A complete PSI section with section_syntax_indicator=1 and its CRC. */
function psiSection(tableId: number, idExt: number, body: Uint8Array): Buffer {
  const sectionLength = 5 + body.length + 4; // fields after length, body, CRC
  const head = Buffer.from([
    tableId,
    0xb0 | ((sectionLength >> 8) & 0x0f),
    sectionLength & 0xff,
    (idExt >> 8) & 0xff,
    idExt & 0xff,
    0xc1, // reserved '11', version 0, current_next_indicator 1
    0x00,
    0x00,
  ]);
  const noCrc = Buffer.concat([head, body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32Mpeg(noCrc));
  // pointer_field 0: the section starts right after it.
  return Buffer.concat([Buffer.from([0x00]), noCrc, crc]);
}

export function buildPat(programNumber: number, pmtPid: number): Buffer {
  const body = Buffer.from([
    (programNumber >> 8) & 0xff,
    programNumber & 0xff,
    0xe0 | ((pmtPid >> 8) & 0x1f),
    pmtPid & 0xff,
  ]);
  return psiSection(0x00, 1, body);
}

export function buildPmt(programNumber: number, pcrPid: number, streamType: number, esPid: number): Buffer {
  const body = Buffer.from([
    0xe0 | ((pcrPid >> 8) & 0x1f),
    pcrPid & 0xff,
    0xf0,
    0x00, // program_info_length 0
    streamType,
    0xe0 | ((esPid >> 8) & 0x1f),
    esPid & 0xff,
    0xf0,
    0x00, // ES_info_length 0
  ]);
  return psiSection(0x02, programNumber, body);
}

/**
 * PSI tables fit one packet; unlike PES they are padded with 0xFF after the section
 * (the standard's stuffing for sections), not with an adaptation field.
 */
export function psiPacket(pid: number, section: Uint8Array, cc: number): Buffer {
  if (section.length > MAX_PAYLOAD) throw new RangeError("PSI section does not fit one packet");
  const pkt = Buffer.alloc(TS_PACKET_SIZE, 0xff);
  pkt[0] = SYNC_BYTE;
  pkt[1] = 0x40 | ((pid >> 8) & 0x1f);
  pkt[2] = pid & 0xff;
  pkt[3] = 0x10 | (cc & 0x0f);
  pkt.set(section, TS_HEADER_SIZE);
  return pkt;
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}
