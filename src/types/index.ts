/** The stage interfaces, in one place: a stage imports these, never a sibling's internals. */
export type * from "./audio.js";
export type * from "./engine.js";
export type * from "./input.js";
export type * from "./output.js";
export type * from "./state.js";
