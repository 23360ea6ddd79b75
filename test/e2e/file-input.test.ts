import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { decodeMono, dominant } from "../helpers/audio.js";
import { startTestDaemon, tempDir } from "../helpers/channel.js";
import { parseMedia } from "../helpers/m3u8.js";
import { run, until } from "../helpers/proc.js";

test(
  "a looped file input (FLAC, 44.1 kHz mono) is decoded to the program format and carried past its end",
  { timeout: 90_000 },
  async () => {
    const dir = tempDir();
    const flac = join(dir, "loop.flac");
    const mk = await run(
      "ffmpeg",
      [
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        "sine=f=880:r=44100:d=2",
        "-ac",
        "1",
        "-y",
        flac,
      ],
      { timeoutMs: 20_000 },
    );
    assert.equal(mk.code, 0, mk.stderr);
    const d = await startTestDaemon(
      (port) => `
channel: file
inputs:
  - id: loop
    file: { path: ./loop.flac }
switcher: { silence: { minNoiseSec: 0.2 } }
profiles: { midfi: { codec: aac, bitrate: 96k } }
outputs: { hls: { dir: ./hls, segmentSec: 2, windowSegments: 10, profiles: [midfi] } }
api: { listen: "127.0.0.1:${port}" }
`,
      dir,
    );
    try {
      const pl = join(dir, "hls", "file_midfi.m3u8");
      // 4 segments of 2 s = 8 s of program: the 2 s file looped several times.
      await until(
        () => existsSync(pl) && parseMedia(readFileSync(pl, "utf8")).segments.length >= 4,
        20_000,
        "4 segments",
      );
      const status = d.channel.status();
      const input = status.inputs[0]!;
      assert.equal(status.active, "loop");
      assert.equal(input.state, "connected");
      assert.ok(input.levelDb.rms > -30, `level ${input.levelDb.rms}`);
      assert.ok(input.bufferMs > 100, `buffer ${input.bufferMs}`);
      const segs = parseMedia(readFileSync(pl, "utf8")).segments.slice(1, 4);
      for (const s of segs) {
        const pcm = await decodeMono(join(dir, "hls", s.uri), { timeoutMs: 20_000 });
        const tone = dominant(pcm, [440, 880, 1000], 48000);
        assert.equal(tone.freq, 880, `segment ${s.seq}`);
        assert.ok(tone.share > 0.5, `segment ${s.seq} share ${tone.share}`);
      }
    } finally {
      await d.close();
    }
  },
);
