/**
 * Sample-peak and RMS level of one interleaved Float32 frame, in dBFS.
 *
 * Convention: plain 20·log10 of the linear value, so a full-scale square wave is 0 dBFS and a
 * full-scale sine is -3.01 dBFS RMS (the convention of Liquidsoap's blank detection, which
 * `switcher.silence.thresholdDb` is compatible with; not the AES17 +3 dB sine convention).
 */

/** Level reported for digital silence, so values stay finite in JSON and metrics. */
export const LEVEL_FLOOR_DB = -120;

export interface Level {
  /** RMS over every sample of every channel, dBFS, ≥ LEVEL_FLOOR_DB. */
  rmsDb: number;
  /** Largest absolute sample value, dBFS, ≥ LEVEL_FLOOR_DB. */
  peakDb: number;
}

/** 20·log10(linear), clamped to LEVEL_FLOOR_DB (silence, NaN and negative inputs too). */
export function linearToDb(linear: number): number {
  const db = 20 * Math.log10(linear);
  return db > LEVEL_FLOOR_DB ? db : LEVEL_FLOOR_DB;
}

export function dbToLinear(db: number): number {
  return Math.pow(10, db / 20);
}

/** Level of a whole interleaved frame (all channels together). An empty frame is silence. */
export function measureLevel(frame: Float32Array): Level {
  let sumSq = 0;
  let peak = 0;
  for (let i = 0; i < frame.length; i++) {
    const s = frame[i]!;
    sumSq += s * s;
    const a = s < 0 ? -s : s;
    if (a > peak) peak = a;
  }
  const rms = frame.length > 0 ? Math.sqrt(sumSq / frame.length) : 0;
  return { rmsDb: linearToDb(rms), peakDb: linearToDb(peak) };
}
