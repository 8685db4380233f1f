/**
 * Float64 oracle for policy_loss.ts, written from docs/ALGORITHMS.md's formulas token by token
 * (kernels may not import engine/, so this does not call engine/rl; the KL estimators are the one
 * definition in ./kl.ts, which engine/rl re-exports; engine/train's tests check that the kernel with
 * CPU-made weights agrees with engine/rl's `policyLoss` for every loss_type).
 */
import { klEstimate, klEstimateGrad } from './kl.js';
import { POLICY_INFO, POLICY_STATS, type PolicyLossKernelOptions, VALUE_INFO } from './policy_loss.js';

export function policyLossTokensRef(
  logprob: ArrayLike<number>,
  entropy: ArrayLike<number>,
  info: ArrayLike<number>,
  n: number,
  opts: PolicyLossKernelOptions,
): { dlogprob: Float64Array; dentropy: Float64Array; stats: Float64Array } {
  const I = POLICY_INFO.length;
  const S = POLICY_STATS.length;
  const dlogprob = new Float64Array(n);
  const dentropy = new Float64Array(n);
  const stats = new Float64Array(n * S);
  for (let k = 0; k < n; k++) {
    const [old, ref, a, w, counted] = [0, 1, 2, 3, 4].map((j) => info[k * I + j]);
    if (!counted) continue;
    const lp = logprob[k];
    const rho = opts.hasOld ? Math.exp(lp - old) : 1;
    let loss = -rho * a;
    let grad = -rho * a;
    let low = 0;
    let high = 0;
    if (opts.epsilon !== null) {
      const lo = 1 - opts.epsilon;
      const hi = 1 + opts.epsilonHigh;
      const clipped = Math.min(Math.max(rho, lo), hi) * a;
      low = a < 0 && rho < lo ? 1 : 0;
      high = a > 0 && rho > hi ? 1 : 0;
      if (rho * a > clipped) {
        loss = -clipped;
        grad = 0;
      }
    }
    if (counted === 2) {
      // a forced prefix token: the surrogate alone, out of the clip/KL/entropy stats
      dlogprob[k] = w * grad;
      stats.set([w * loss, 0, 0, 0, 0], k * S);
      continue;
    }
    if (opts.klInLoss) {
      loss += opts.beta * klEstimate(opts.klEstimator, lp, ref);
      grad += opts.beta * klEstimateGrad(opts.klEstimator, lp, ref);
    }
    loss -= opts.entropyCoef * entropy[k];
    dlogprob[k] = w * grad;
    dentropy[k] = -opts.entropyCoef * w;
    stats.set([w * loss, low, high, opts.hasRef ? klEstimate(opts.klMetric, lp, ref) : 0, entropy[k]], k * S);
  }
  return { dlogprob, dentropy, stats };
}

export function valueLossTokensRef(
  values: ArrayLike<number>,
  info: ArrayLike<number>,
  n: number,
  opts: { clipRange: number },
): { dvalues: Float64Array; stats: Float64Array } {
  const I = VALUE_INFO.length;
  const dvalues = new Float64Array(n);
  const stats = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const [vOld, r, scale] = [0, 1, 2].map((j) => info[k * I + j]);
    if (!scale) continue;
    const v = values[k];
    const clippedV = Math.min(Math.max(v, vOld - opts.clipRange), vOld + opts.clipRange);
    const plain = (v - r) ** 2;
    const clipped = (clippedV - r) ** 2;
    stats[k] = scale * 0.5 * Math.max(plain, clipped);
    dvalues[k] = plain >= clipped || v === clippedV ? scale * (v - r) : 0;
  }
  return { dvalues, stats };
}
