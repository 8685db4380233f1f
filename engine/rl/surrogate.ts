/**
 * PPO's clipped surrogate per token (docs/ALGORITHMS.md "Policy loss per token") and its derivative in lp.
 * `epsilon = null` means no clipping at all (the `reinforce` family): L = -rho*A.
 */

export interface ClipRange {
  /** Lower clip: rho < 1 - epsilon is clipped. null: no clipping. */
  epsilon: number | null;
  /** Upper clip: rho > 1 + epsilon_high is clipped (DAPO's clip-higher). */
  epsilon_high: number | null;
}

export interface SurrogateToken {
  /** L = -min(rho*A, clip(rho)*A). */
  loss: number;
  /** dL/dlp (old held fixed). */
  grad: number;
  rho: number;
  clippedLow: boolean;
  clippedHigh: boolean;
}

/**
 * One token. `old = null` is TRL's mu = 1 case: old is lp with the gradient stopped, so rho = 1
 * exactly and the gradient is -A. Example: lp = -1, old = -1.5, A = 2, epsilon 0.2: rho = e^0.5 =
 * 1.6487 > 1.2 and A > 0, so L = -1.2*2 = -2.4, gradient 0, counted in clip_ratio/high.
 */
export function clippedSurrogate(
  lp: number,
  old: number | null,
  advantage: number,
  clip: ClipRange,
): SurrogateToken {
  const rho = old === null ? 1 : Math.exp(lp - old);
  const unclipped = rho * advantage;
  if (clip.epsilon === null)
    return { loss: -unclipped, grad: -unclipped, rho, clippedLow: false, clippedHigh: false };
  const low = 1 - clip.epsilon;
  const high = 1 + (clip.epsilon_high ?? clip.epsilon);
  const clippedRho = Math.min(Math.max(rho, low), high);
  const clipped = clippedRho * advantage;
  const clippedLow = advantage < 0 && rho < low;
  const clippedHigh = advantage > 0 && rho > high;
  if (unclipped <= clipped) return { loss: -unclipped, grad: -unclipped, rho, clippedLow, clippedHigh };
  return { loss: -clipped, grad: 0, rho, clippedLow, clippedHigh };
}
