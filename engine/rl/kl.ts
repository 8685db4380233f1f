/**
 * KL to the reference policy (docs/ALGORITHMS.md "KL to the reference"): the three per-token
 * estimators of Schulman's "Approximating KL divergence" with their derivatives in lp, and the
 * `kl_in = reward` form that subtracts beta * sum_t k1 from each completion's reward before
 * advantages (k1 whatever kl_estimator says, as in ReFT/PPO).
 */

import type { KlEstimatorCode } from '../../kernels/ops/policy_loss/policy_loss.js';

export type KlEstimator = KlEstimatorCode;
export type KlIn = 'loss' | 'reward';

/**
 * klEstimate(estimator, lp, ref) and its derivative in lp, klEstimateGrad: the one float64
 * definition of k1 = -d, k2 = d^2/2, k3 = expm1(d) - d (d = ref - lp), kept in kernels/ beside the
 * policy-loss kernel so that the kernel's oracle and this CPU path call the same function.
 */
import { klEstimate } from '../../kernels/ops/policy_loss/kl.js';

export { klEstimate, klEstimateGrad } from '../../kernels/ops/policy_loss/kl.js';

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
      if (mask[k]) sum += klEstimate('k1', lp[k], ref[k]);
    }
    out[b] -= beta * sum;
  }
  return out;
}
