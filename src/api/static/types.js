// @ts-check
// The server's status and event types, for the page's JSDoc: `tsc -p tsconfig.page.json` checks
// every module of the page against them (nothing here exists at run time).

/** @typedef {import("../../channel/view.js").ChannelStatus} ChannelStatus */
/** @typedef {import("../../channel/view.js").InputStatus} InputStatus */
/** @typedef {import("../../channel/view.js").LevelDb} LevelDb */
/** @typedef {import("../../types/index.js").OutputStatus} OutputStatus */
/** @typedef {import("../../types/index.js").InputState} InputState */
/** @typedef {import("../../types/index.js").OutputState} OutputState */
/** @typedef {import("../../output/hls/hls-types.js").HlsStatus} HlsStatus */
/** @typedef {import("../../channel/view.js").ChannelEvents} ChannelEvents */
/** @typedef {Parameters<ChannelEvents["switch"]>[0]} SwitchEvent */
/** @typedef {Parameters<ChannelEvents["input"]>[0]} InputEvent */
/** @typedef {Parameters<ChannelEvents["output"]>[0]} OutputEvent */
/** @typedef {Parameters<ChannelEvents["problem"]>[0]} ProblemEvent */

export {};
