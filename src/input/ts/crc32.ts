/** CRC-32/MPEG-2 (poly 0x04C11DB7, init all ones, no reflection, no final xor), as PSI uses. */
const TABLE = buildTable();

function buildTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let b = 0; b < 8; b++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
}

export function crc32Mpeg2(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) {
    crc = (crc << 8) ^ (TABLE[((crc >>> 24) ^ (data[i] as number)) & 0xff] as number);
  }
  return crc >>> 0;
}
