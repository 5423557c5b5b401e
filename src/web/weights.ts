/**
 * CPU shares (scheduler weights) a learner can pick, in the launcher and on each guest's slider:
 * one list for both, a log scale with 1 in the middle.
 */
export const WEIGHTS: readonly number[] = [0.125, 0.25, 0.5, 1, 2, 4, 8];

/** "× 1/8", "× 1", "× 4" */
export function weightLabel(w: number): string {
  return w < 1 ? `× 1/${Math.round(1 / w)}` : `× ${w}`;
}

/** The slider position of a weight (the nearest one on the scale). */
export function weightIndex(w: number): number {
  let best = 0;
  for (let i = 1; i < WEIGHTS.length; i++) if (Math.abs(Math.log(WEIGHTS[i]! / w)) < Math.abs(Math.log(WEIGHTS[best]! / w))) best = i;
  return best;
}
