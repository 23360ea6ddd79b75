/** Which header parser frames which stream codec family. */
import { parseAc3Family } from "./ac3.js";
import { parseAdts } from "./adts.js";
import type { HeaderParser } from "./frame-header.js";
import { parseMpegAudio } from "./mpeg-audio.js";
import type { StreamCodec } from "./ts-types.js";

export { parseAc3Family } from "./ac3.js";
export { parseAdts } from "./adts.js";
export { parseMpegAudio } from "./mpeg-audio.js";

export function headerParserFor(codec: StreamCodec): HeaderParser {
  switch (codec) {
    case "aac":
      return parseAdts;
    case "mpeg-audio":
      return parseMpegAudio;
    case "ac3":
    case "eac3":
      return parseAc3Family;
  }
}
