/**
 * The per-token KL estimators to the reference policy (Schulman's "Approximating KL divergence"),
 * d = ref - lp: k1 = -d, k2 = d^2/2, k3 = expm1(d) - d. This is the one float64 definition: the
 * kernel's oracle (policy_loss.ref.ts) calls it and engine/rl/kl.ts re-exports it for the CPU loss
 * and metrics (kernels/ cannot import engine/, so it lives down here). policy_loss.wgsl computes the
 * same formulas in float32. k3 is written expm1(d) - d, never exp(d) - d - 1, which loses every
 * significant digit near d = 0 where the estimate is ~d^2/2.
 */
import type { KlEstimatorCode } from './policy_loss.js';

/**
 * Estimator value at one token. Examples at lp = -1, ref = -1.5 (d = -0.5):
 * k1 = 0.5, k2 = 0.125, k3 = expm1(-0.5) + 0.5 = 0.106531.
 */
export function klEstimate(estimator: KlEstimatorCode, lp: number, ref: number): number {
  const d = ref - lp;
  switch (estimator) {
    case 'k1':
      return lp - ref; // = -d, without producing -0
    case 'k2':
      return (d * d) / 2;
    case 'k3':
      return Math.expm1(d) - d;
    default:
      return estimator satisfies never;
  }
}

/** d(estimator)/d(lp) with ref held fixed: k1 -> 1, k2 -> -d, k3 -> -expm1(d) = 1 - exp(d). */
export function klEstimateGrad(estimator: KlEstimatorCode, lp: number, ref: number): number {
  const d = ref - lp;
  switch (estimator) {
    case 'k1':
      return 1;
    case 'k2':
      return -d;
    case 'k3':
      return -Math.expm1(d);
    default:
      return estimator satisfies never;
  }
}
