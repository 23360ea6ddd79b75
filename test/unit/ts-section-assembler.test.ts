import assert from "node:assert/strict";
import { test } from "node:test";
import { SectionAssembler } from "../../src/input/ts/section-assembler.js";

/** A long-form section of `len` total bytes with a recognisable body. */
function section(tableId: number, len: number): Buffer {
  const s = Buffer.alloc(len, tableId);
  s[0] = tableId;
  s[1] = 0xb0 | ((len - 3) >> 8);
  s[2] = (len - 3) & 0xff;
  return s;
}

function collect(): { asm: SectionAssembler; got: Buffer[] } {
  const got: Buffer[] = [];
  const asm = new SectionAssembler({ section: (b, len) => got.push(Buffer.from(b.subarray(0, len))) });
  return { asm, got };
}

test("sections across packets, several in one packet, pointer_field finishing the previous one", () => {
  const a = section(0x02, 300);
  const b = section(0x03, 20);
  const c = section(0x04, 30);
  const { asm, got } = collect();
  // Packet 1: pointer 0, a starts (184 - 1 bytes of it).
  asm.push(Buffer.concat([Buffer.from([0]), a.subarray(0, 183)]), 0, 184, true);
  // Packet 2: pointer = rest of a (117 bytes), then b and c, then stuffing.
  const p2 = Buffer.concat([Buffer.from([117]), a.subarray(183), b, c]);
  asm.push(Buffer.concat([p2, Buffer.alloc(184 - p2.length, 0xff)]), 0, 184, true);
  assert.deepEqual(got, [a, b, c]);
});

test("a section whose start was lost is never handed on; reset forgets a partial one", () => {
  const a = section(0x02, 300);
  const { asm, got } = collect();
  asm.push(a.subarray(100, 284), 0, 184, false); // continuation without a start
  asm.push(Buffer.concat([Buffer.from([0]), a.subarray(0, 183)]), 0, 184, true);
  asm.reset(); // packets lost
  asm.push(a.subarray(183), 0, 117, false);
  assert.deepEqual(got, []);
  asm.push(Buffer.from([5, 1, 2, 3, 4, 5, 0xff]), 0, 7, true); // pointer past nothing: ignored
  assert.deepEqual(got, []);
});

test("a pointer_field past the payload is dropped; a section longer than what arrives never completes", () => {
  const { asm, got } = collect();
  asm.push(Buffer.from([200, 0, 0]), 0, 3, true);
  const huge = Buffer.from([0, 0x02, 0xbf, 0xff, 1, 2, 3]);
  asm.push(huge, 0, huge.length, true);
  asm.push(section(0x02, 50), 0, 50, false);
  assert.deepEqual(got, []);
});
