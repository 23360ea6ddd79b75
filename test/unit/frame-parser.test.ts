import assert from "node:assert/strict";
import { test } from "node:test";
import { encoderArgs, restartGrid } from "../../src/encode/encoder-args.js";
import { FrameParser, adtsFrameLength, mp3FrameLength } from "../../src/encode/frame-parser.js";
import { run } from "../helpers/proc.js";

async function encode(codec: "aac" | "mp3"): Promise<Buffer> {
  const fmt =
    codec === "aac"
      ? ["-c:a", "aac", "-b:a", "96k", "-f", "adts"]
      : ["-c:a", "libmp3lame", "-b:a", "128k", "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3"];
  const r = await run(
    "ffmpeg",
    [
      "-hide_banner",
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      "sine=f=1000:r=48000:d=2",
      "-ac",
      "2",
      ...fmt,
      "-",
    ],
    { timeoutMs: 20_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

for (const codec of ["aac", "mp3"] as const) {
  test(`${codec}: a real encoder's stream splits into whole frames, whatever the chunking`, async () => {
    const bytes = await encode(codec);
    const len = codec === "aac" ? adtsFrameLength : mp3FrameLength;
    const expected = Math.round((2 * 48000) / (codec === "aac" ? 1024 : 1152));
    for (const chunk of [1, 7, 188, 4096, bytes.length]) {
      const p = new FrameParser(codec);
      const frames: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += chunk) frames.push(...p.push(bytes.subarray(i, i + chunk)));
      assert.ok(Math.abs(frames.length - expected) <= 3, `${frames.length} frames, expected ~${expected}`);
      assert.equal(Buffer.concat(frames).length, bytes.length, "every byte is in a frame");
      for (const f of frames) assert.equal(len(f, 0), f.length);
      assert.equal(p.skippedBytes, 0);
    }
  });
}

test("garbage between frames is skipped and counted, the frames survive", async () => {
  const bytes = await encode("aac");
  const p = new FrameParser("aac");
  const first = p.push(bytes.subarray(0, 2000));
  const junk = Buffer.from("not a frame at all");
  const rest = p.push(Buffer.concat([junk, bytes.subarray(2000 + 0)]));
  assert.ok(first.length > 0 && rest.length > 0);
  assert.ok(p.skippedBytes > 0);
});

test("encoder arguments: every profile once, each to its own pipe, s16le in", () => {
  const args = encoderArgs(
    [
      { profile: "lofi", codec: "aac", bitrate: 32000 },
      { profile: "mp3", codec: "mp3", bitrate: 128000 },
    ],
    { sampleRate: 44100, channels: 2 },
  );
  const s = args.join(" ");
  assert.match(s, /-f s16le -ar 44100 -ac 2 -i pipe:0/);
  assert.match(s, /-c:a aac -profile:a aac_low -b:a 32000 -f adts -flush_packets 1 pipe:3/);
  assert.match(
    s,
    /-c:a libmp3lame -b:a 128000 -write_xing 0 -id3v2_version 0 -f mp3 -flush_packets 1 pipe:4/,
  );
  assert.equal(restartGrid(["aac"]), 1024);
  assert.equal(restartGrid(["aac", "mp3"]), 9216);
});
