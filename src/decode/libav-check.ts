/**
 * Whether in-process decoding can be trusted here: the libraries load by soname, their majors
 * are those whose struct layout libav.ts knows, and known frames decode through those offsets
 * to the right sample count, rate, channel count, PTS and a non-silent signal. If not, the
 * daemon keeps its ffmpeg-process decoders; nothing here throws past `libavAvailable()`.
 *
 * The check reads fields before it follows any pointer, and only follows plane pointers once
 * extended_data was found exactly where it must be, so a different build fails the check
 * instead of crashing the process.
 */
import { AudioDecoder, type DecoderCodec } from "./audio-decoder.js";
import { PacketFields } from "./libav-structs.js";
import { AV_NOPTS_VALUE, LibavUnavailable, SONAMES, bindLibav, type Libav } from "./libav.js";

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

/** The packet fields at their offsets: defaults after av_packet_alloc, then a refcounted packet. */
function checkPacketLayout(lib: Libav): string | null {
  const pkt = lib.packetAlloc();
  if (pkt === 0n) return "av_packet_alloc failed";
  try {
    const f = new PacketFields(lib, pkt).load();
    if (
      f.pts !== AV_NOPTS_VALUE ||
      f.dts !== AV_NOPTS_VALUE ||
      f.data !== 0n ||
      f.size !== 0 ||
      f.buf !== 0n
    ) {
      return "AVPacket fields are not where FFmpeg 5.1 puts them (fresh packet)";
    }
    if (lib.newPacket(pkt, 1234) < 0) return "av_new_packet failed";
    f.load();
    const [size, data, buf] = [f.size as number, f.data, f.buf];
    const ok = size === 1234 && data !== 0n && buf !== 0n;
    lib.packetUnref(pkt);
    return ok ? null : "AVPacket data/size/buf are not where FFmpeg 5.1 puts them";
  } finally {
    lib.packetFree(pkt);
  }
}

/** Decodes each known frame through AudioDecoder (the code the daemon runs) and checks it. */
function checkDecoding(lib: Libav): string | null {
  for (const k of KNOWN_FRAMES) {
    const dec = new AudioDecoder(lib);
    try {
      dec.open(k.codec);
      const blocks = dec.decode(Buffer.from(k.hex, "hex"), 1234);
      const b = blocks[0];
      if (blocks.length !== 1 || !b) return `${k.codec} test frame: ${dec.lastError ?? "no audio decoded"}`;
      const got = `${b.samples} samples ${b.sampleRate} Hz ${b.channels} ch pts ${b.pts90k}`;
      const want = `${k.samples} samples ${k.rate} Hz ${k.channels} ch pts 1234`;
      if (got !== want) return `${k.codec} test frame decoded as ${got}, expected ${want}`;
      const peak = b.pcm.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      if (!(peak > 0.01 && peak < 2))
        return `${k.codec} test frame decoded to implausible samples (peak ${peak})`;
    } catch (e) {
      return `${k.codec} test frame: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      dec.close();
    }
  }
  return null;
}

/** Loads and checks libav, uncached (tests pass other sonames). */
export function probeLibav(sonames: Record<keyof typeof SONAMES, string> = SONAMES): {
  status: LibavStatus;
  lib: Libav | null;
} {
  try {
    const lib = bindLibav(sonames);
    const reason = checkPacketLayout(lib) ?? checkDecoding(lib);
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
