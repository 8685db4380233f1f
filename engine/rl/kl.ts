/**
 * KL to the reference policy (ALGORITHMS.md "KL"): the three per-token estimators of Schulman's
 * "Approximating KL divergence" with their derivatives in lp, and the `kl_in = reward` form that
 * subtracts beta * sum_t k1 from each completion's reward before advantages (k1 whatever
 * kl_estimator says, as in ReFT/PPO).
 */

export type KlEstimator = 'k1' | 'k2' | 'k3';
export type KlIn = 'loss' | 'reward';

/**
 * Estimator value at one token, d = ref - lp. Examples at lp = -1, ref = -1.5 (d = -0.5):
 * k1 = 0.5, k2 = 0.125, k3 = exp(-0.5) + 0.5 - 1 = 0.106531.
 */
export function klEstimate(estimator: KlEstimator, lp: number, ref: number): number {
  const d = ref - lp;
  switch (estimator) {
    case 'k1':
      return lp - ref; // = -d, without producing -0
    case 'k2':
      return (d * d) / 2;
    case 'k3':
      return Math.exp(d) - d - 1;
    default:
      return estimator satisfies never;
  }
}

/** d(estimator)/d(lp) with ref held fixed: k1 -> 1, k2 -> -d, k3 -> 1 - exp(d). */
export function klEstimateGrad(estimator: KlEstimator, lp: number, ref: number): number {
  const d = ref - lp;
  switch (estimator) {
    case 'k1':
      return 1;
    case 'k2':
      return -d;
    case 'k3':
      return 1 - Math.exp(d);
    default:
      return estimator satisfies never;
  }
}

/**
 * `kl_in = reward` for row-level estimators: r_i - beta * sum_t k1_{i,t} over completion tokens.
 * rewards [B], lp/ref/mask [B*L].
 */
export function klPenalizedRewards(
  rewards: ArrayLike<number>,
  lp: ArrayLike<number>,
  ref: ArrayLike<number>,
  mask: ArrayLike<number>,
  beta: number,
): Float64Array {
  const rows = rewards.length;
  const L = mask.length / rows;
  if (!Number.isInteger(L))
    throw new Error(`klPenalizedRewards: mask length ${mask.length} not a multiple of ${rows}`);
  const out = Float64Array.from(rewards);
  for (let b = 0; b < rows; b++) {
    let sum = 0;
    for (let t = 0; t < L; t++) {
      const k = b * L + t;
      if (mask[k]) sum += lp[k] - ref[k];
    }
    out[b] -= beta * sum;
  }
  return out;
}
