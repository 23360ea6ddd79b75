export {
  IcecastOutput,
  type IcecastOutputEvents,
  type IcecastOutputOptions,
  type IcecastOutputStatus,
} from "./source-client.js";
export { IcecastAdmin, songOf, metadataPath, type NowPlaying } from "./admin.js";
export { parseIcecastStats, type IcecastMountStats } from "./stats.js";
