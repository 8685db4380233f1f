/**
 * Hand-computed cases for the docs/ALGORITHMS.md formulas the other engine/rl tests leave implicit: the
 * clip-ratio metrics (which tokens count as clipped low / high), the zero-spread threshold of 1e-6,
 * DAPO's step-wide token denominator without masked truncated rows, and PPO's returns taken from the
 * unwhitened GAE advantages. Each expectation is worked out in its comment.
 */
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../kernels/testing/compare';
import { fracRewardZeroStd, groupAdvantages, rlooAdvantages } from './advantages';
import { aggregationWeights } from './aggregation';
import { gaeAdvantages } from './gae';
import { type PolicyLossOptions, policyLoss } from './policy-loss';

const tol = { atol: 1e-12, rtol: 0 };

const clipOptions: PolicyLossOptions = {
  loss_type: 'dapo',
  epsilon: 0.2,
  epsilon_high: 0.28,
  beta: 0,
  kl_estimator: 'k3',
  kl_in: 'loss',
  entropy_coef: 0,
  mask_truncated_completions: false,
  max_completion_length: 1,
};

// Five one-token rows, lp - old = [0.5, -0.5, 0.1, -0.3, -0.5], A = [+1, -1, +1, -1, +1], eps 0.2 / 0.28:
// rho = [1.6487, 0.6065, 1.1052, 0.7408, 0.6065], clip range [0.8, 1.28].
//   row 0: A > 0, rho > 1.28 -> clipped high, L = -1.28, grad 0
//   row 1: A < 0, rho < 0.8  -> clipped low,  L = -(-0.8) = 0.8, grad 0
//   row 2: inside            -> L = -1.1052, grad -rho*A = -1.1052
//   row 3: A < 0, rho < 0.8  -> clipped low,  L = 0.8, grad 0
//   row 4: A > 0, rho < 0.8  -> NOT clipped (min picks rho*A): L = -0.6065, grad -0.6065
// low 2/5, high 1/5, region 3/5; dapo weights 1/5 each.
const diff = [0.5, -0.5, 0.1, -0.3, -0.5];
const clipCase = {
  rows: 5,
  lp: diff.map((d) => -1 + d),
  old: diff.map(() => -1),
  ref: null,
  advantages: [1, -1, 1, -1, 1],
  mask: [1, 1, 1, 1, 1],
};

describe('clip-ratio metrics (docs/ALGORITHMS.md "Policy loss per token")', () => {
  it('counts low (A<0, rho<1-eps), high (A>0, rho>1+eps_high) and region; A>0 with small rho is not clipped', () => {
    const r = policyLoss(clipCase, clipOptions);
    expect(r.metrics['clip_ratio/low_mean']).toBeCloseTo(2 / 5, 12);
    expect(r.metrics['clip_ratio/high_mean']).toBeCloseTo(1 / 5, 12);
    expect(r.metrics['clip_ratio/region_mean']).toBeCloseTo(3 / 5, 12);
    const loss = (-1.28 + 0.8 - Math.exp(0.1) + 0.8 - Math.exp(-0.5)) / 5;
    expect(r.loss).toBeCloseTo(loss, 12);
    expectClose(r.dLossDLp, [0, 0, -Math.exp(0.1) / 5, 0, -Math.exp(-0.5) / 5], tol, 'dL/dlp');
  });

  it('epsilon_high 0.7 un-clips row 0 (1.6487 < 1.7): high 0, region 2/5', () => {
    const r = policyLoss(clipCase, { ...clipOptions, epsilon_high: 0.7 });
    expect(r.metrics['clip_ratio/high_mean']).toBe(0);
    expect(r.metrics['clip_ratio/region_mean']).toBeCloseTo(2 / 5, 12);
    expect(r.dLossDLp[0]).toBeCloseTo(-Math.exp(0.5) / 5, 12);
  });

  it('epsilon null (reinforce): nothing clipped, L = -rho*A on every token', () => {
    const r = policyLoss(clipCase, { ...clipOptions, epsilon: null, epsilon_high: null });
    expect(r.metrics['clip_ratio/region_mean']).toBe(0);
    const rho = diff.map(Math.exp);
    const A = clipCase.advantages;
    expect(r.loss).toBeCloseTo(-rho.reduce((s, p, i) => s + p * A[i], 0) / 5, 12);
  });

  it('masked truncated rows leave the denominators: row 0 truncated -> high 0, low 2/4, region 2/4', () => {
    const r = policyLoss(
      { ...clipCase, truncated: [1, 0, 0, 0, 0] },
      { ...clipOptions, mask_truncated_completions: true },
    );
    expect(r.metrics['clip_ratio/high_mean']).toBe(0);
    expect(r.metrics['clip_ratio/low_mean']).toBeCloseTo(2 / 4, 12);
    expect(r.metrics['clip_ratio/region_mean']).toBeCloseTo(2 / 4, 12);
    expect(r.dLossDLp[0]).toBe(0);
    expect(r.dLossDLp[2]).toBeCloseTo(-Math.exp(0.1) / 4, 12);
  });
});

describe('zero-spread threshold (std < 1e-6)', () => {
  // group 0: [0.3, 0.3 + 1e-8] has sample std 1e-8/sqrt(2) = 7.1e-9 < 1e-6 -> "all agree";
  // group 1: [0, 1e-5] has std 7.07e-6 >= 1e-6 -> spreads: group/none A = +-5e-6, rloo A = +-1e-5.
  const rewards = [0.3, 0.3 + 1e-8, 0, 1e-5];

  it('frac_reward_zero_std counts only the first group', () => {
    expect(fracRewardZeroStd(rewards, 2)).toBe(0.5);
  });

  it('group and rloo give exactly 0 to the agreeing group and the formula to the other', () => {
    const g = groupAdvantages(rewards, 2, 'none');
    expect(Array.from(g.slice(0, 2))).toEqual([0, 0]);
    expectClose(g.slice(2), [-5e-6, 5e-6], { atol: 1e-15, rtol: 1e-9 }, 'group/none');
    const r = rlooAdvantages(rewards, 2);
    expect(Array.from(r.slice(0, 2))).toEqual([0, 0]);
    expectClose(r.slice(2), [-1e-5, 1e-5], { atol: 1e-15, rtol: 1e-9 }, 'rloo');
  });
});

describe('dapo denominator with masked truncated completions', () => {
  it('|o| = [2, 1, 3], row 2 truncated and masked: dapo weights 1/3 on rows 0-1, 0 on row 2', () => {
    const input = {
      mask: [1, 1, 0, 1, 0, 0, 1, 1, 1],
      rows: 3,
      truncated: [0, 0, 1],
      mask_truncated_completions: true,
      max_completion_length: 3,
    };
    const w = Array.from(aggregationWeights('dapo', input));
    expectClose(w, [1 / 3, 1 / 3, 0, 1 / 3, 0, 0, 0, 0, 0], tol, 'dapo weights');
    // unmasked: 6 tokens -> 1/6 each
    const all = Array.from(aggregationWeights('dapo', { ...input, mask_truncated_completions: false }));
    expectClose(all, [1 / 6, 1 / 6, 0, 1 / 6, 0, 0, 1 / 6, 1 / 6, 1 / 6], tol, 'dapo weights, unmasked');
  });
});

describe('PPO returns use the unwhitened advantages', () => {
  it('two rows: A = [0.49, 0.2 | 0.5], R = A + V = [0.99, 1.0 | 0.5]; whitened A over 3 tokens', () => {
    // row 0: r = [0, 1], V = [0.5, 0.8] -> A = [0.49, 0.2] (gae.ts example); row 1: r = [0.5], V = [0] -> A = 0.5
    const out = gaeAdvantages({
      tokenRewards: [0, 1, 0.5, 0],
      values: [0.5, 0.8, 0, 7],
      mask: [1, 1, 1, 0],
      rows: 2,
      gamma: 1,
      lam: 0.95,
      whiten: true,
    });
    expectClose(out.returns, [0.99, 1.0, 0.5, 0], tol, 'returns');
    // mean (0.49 + 0.2 + 0.5)/3 = 0.39667; unbiased var = sum of squared deviations / 2
    const m = (0.49 + 0.2 + 0.5) / 3;
    const v = ((0.49 - m) ** 2 + (0.2 - m) ** 2 + (0.5 - m) ** 2) / 2;
    const s = 1 / Math.sqrt(v + 1e-8);
    expectClose(out.advantages, [(0.49 - m) * s, (0.2 - m) * s, (0.5 - m) * s, 0], tol, 'whitened');
  });
});
