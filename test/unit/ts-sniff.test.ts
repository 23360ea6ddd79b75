import assert from "node:assert/strict";
import { test } from "node:test";
import { SNIFF_MAX_BYTES, sniff } from "../../src/input/ts/sniff.js";
import { ffmpegOut, sineTs } from "../helpers/ts-fixtures.js";

/** The answer for every prefix length: "need-more" until it decides, then one stable answer. */
function answers(head: Buffer): { first: number; result: string } {
  let first = -1;
  let result = "";
  for (let n = 0; n <= Math.min(head.length, SNIFF_MAX_BYTES + 50); n++) {
    const r = sniff(head.subarray(0, n));
    if (r === "need-more") {
      assert.equal(first, -1, `need-more again at ${n} bytes after deciding ${result}`);
      continue;
    }
    if (first < 0) [first, result] = [n, r];
    else assert.equal(r, result, `answer changed at ${n} bytes`);
  }
  return { first, result };
}

test("MPEG-TS from ffmpeg, from its first byte or joined mid-packet, and with 204-byte packets", async () => {
  const ts = await sineTs(["-c:a", "aac"], 0.5);
  assert.deepEqual(answers(ts), { first: 377, result: "mpegts" });
  assert.equal(answers(ts.subarray(100)).result, "mpegts");
  const rs = Buffer.concat(
    Array.from({ length: 4 }, (_, i) => [ts.subarray(i * 188, i * 188 + 188), Buffer.alloc(16, 0xaa)]).flat(),
  );
  assert.equal(answers(rs).result, "mpegts");
  assert.ok(answers(rs).first <= SNIFF_MAX_BYTES);
});

test("WAV from ffmpeg is wav after 12 bytes; raw ADTS and MP3 are unknown", async () => {
  const [wav, adts, mp3] = await Promise.all([
    ffmpegOut(["-f", "lavfi", "-i", "sine=d=0.2", "-f", "wav", "-"]),
    ffmpegOut(["-f", "lavfi", "-i", "sine=d=0.5", "-c:a", "aac", "-f", "adts", "-"]),
    ffmpegOut(["-f", "lavfi", "-i", "sine=d=0.5", "-c:a", "libmp3lame", "-f", "mp3", "-"]),
  ]);
  assert.deepEqual(answers(wav), { first: 12, result: "wav" });
  for (const other of [adts, mp3]) {
    const a = answers(other);
    assert.equal(a.result, "unknown");
    assert.ok(a.first <= SNIFF_MAX_BYTES);
  }
  assert.equal(sniff(Buffer.from("RIFF\0\0\0\0AVI ")), "unknown");
  assert.equal(sniff(Buffer.from("RIF")), "need-more");
  assert.equal(sniff(Buffer.alloc(0)), "need-more");
});
