/**
 * Whether in-process decoding can be trusted here: the libraries load by soname, FFmpeg's
 * majors are those whose struct layout libav.ts knows, and known AAC and MP2 frames decode
 * (through libfaad2 and libmpg123, and the offsets faad.ts reads) to the right sample count,
 * rate, channel count, PTS and a non-silent signal. If not, the daemon keeps its
 * ffmpeg-process decoders; nothing here throws past `libavAvailable()`. libavcodec (AC-3 and
 * E-AC-3 only) is checked when it is first loaded (lavc-engine.ts, `packetLayoutProblem`).
 */
import { AudioDecoder, type DecoderCodec } from "./audio-decoder.js";
import { LibavUnavailable, SONAMES, bindLibav, type Libav, type Sonames } from "./libav.js";

/**
 * Frame 9 of `ffmpeg -f lavfi -i sine=f=1000:r=48000 -ac 2 -c:a aac -b:a 32k -f adts` (ADTS,
 * AAC-LC 48 kHz stereo) and frame 5 of `... sine=f=440:r=44100 -ac 1 -c:a mp2 -b:a 32k -f mp2`
 * (MPEG-1 layer II 44.1 kHz mono): two formats apart in every field the check reads.
 */
const KNOWN_FRAMES: { codec: DecoderCodec; hex: string; samples: number; rate: number; channels: number }[] =
  [
    {
      codec: "aac",
      samples: 1024,
      rate: 48000,
      channels: 2,
      hex:
        "fff14c800b5ffc211593c258aaccdef3ffa7ff1fffe3f9d5ddcbe7cc00c0c0c0c0c0c0c0c0d6c0eb7060606060606060" +
        "60606060606060606775830303030303033c0d8aaccdef3ffa7ff1fffe3f9d5ddcbe7cc00000000001c0",
    },
    {
      codec: "mp2",
      samples: 1152,
      rate: 44100,
      channels: 1,
      hex:
        "fffd10c45368a229aa31fe36c73d74c5c0c237a4a77414d01d417954f1321c14391c11b76633c5992075537c44791561" +
        "f0ba91405f32a435215a2045c853868429c950354a509484b86a05f12203f59b74009edeb5d2b37b102febd887bd6f50" +
        "8d7e67119ac5c6d0",
    },
  ];

export type LibavStatus =
  { available: true; versions: Libav["versions"] } | { available: false; reason: string };

/**
 * Decodes each known frame through AudioDecoder (the code the daemon runs) and checks it. The
 * frame goes in three times (PTS 1000, 2000, 3000): mpg123 decodes a stream's first frame once
 * the next one confirms the sync.
 */
function checkDecoding(lib: Libav): string | null {
  for (const k of KNOWN_FRAMES) {
    const dec = new AudioDecoder(lib);
    try {
      dec.open(k.codec);
      const frame = Buffer.from(k.hex, "hex");
      const blocks = [1000, 2000, 3000].flatMap((pts) => dec.decode(frame, pts));
      if (blocks.length < 1) return `${k.codec} test frame: ${dec.lastError ?? "no audio decoded"}`;
      for (const b of blocks) {
        const got = `${b.samples} samples ${b.sampleRate} Hz ${b.channels} ch`;
        const want = `${k.samples} samples ${k.rate} Hz ${k.channels} ch`;
        if (got !== want) return `${k.codec} test frame decoded as ${got}, expected ${want}`;
        if (![1000, 2000, 3000].includes(b.pts90k)) return `${k.codec} test frame got PTS ${b.pts90k}`;
        const peak = b.pcm.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        if (!(peak > 0.01 && peak < 2))
          return `${k.codec} test frame decoded to implausible samples (peak ${peak})`;
      }
    } catch (e) {
      return `${k.codec} test frame: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      dec.close();
    }
  }
  return null;
}

/** Loads and checks libav, uncached (tests pass other sonames). */
export function probeLibav(sonames: Sonames = SONAMES): {
  status: LibavStatus;
  lib: Libav | null;
} {
  try {
    const lib = bindLibav(sonames);
    const reason = checkDecoding(lib);
    if (reason) return { status: { available: false, reason: `self-check failed: ${reason}` }, lib: null };
    return { status: { available: true, versions: lib.versions }, lib };
  } catch (e) {
    const reason = e instanceof LibavUnavailable ? e.reason : e instanceof Error ? e.message : String(e);
    return { status: { available: false, reason }, lib: null };
  }
}

let probed: ReturnType<typeof probeLibav> | null = null;

/** Whether in-process decoding is usable, and why not (checked once per process). */
export function libavAvailable(): LibavStatus {
  probed ??= probeLibav();
  return probed.status;
}

/** The checked libav binding; throws LibavUnavailable with the reason when it is not usable. */
export function loadLibav(): Libav {
  const status = libavAvailable();
  if (!status.available) throw new LibavUnavailable(status.reason);
  return probed!.lib!;
}
