/**
 * The program clock wakes every 3 frames: each wake-up costs more CPU than the audio work of a
 * frame on a small VM (docs/benchmarks.md), and the encoder takes the tick's frames in one write.
 * Switches still land on a 20 ms frame; they reach the audio ≤ 60 ms later.
 */
export const TICK_MS = 60;
