import { describe, expect, it } from 'vitest';
import { expectClose } from '../../kernels/testing/compare';
import {
  fracRewardZeroStd,
  groupAdvantages,
  reinforceAdvantages,
  rewardStd,
  rlooAdvantages,
  rowAdvantages,
} from './advantages';
import { gaeAdvantages, gaeTokenRewards, whitenMasked } from './gae';

// Two groups of G = 4: the first spreads, the second all agree.
const rewards = [1, 0, 0, 1, 2, 2, 2, 2];
const tol = { atol: 1e-12, rtol: 1e-12 };

describe('group advantages', () => {
  it('scale_rewards=group: mean 0.5, sample std sqrt(1/3) = 0.57735 -> A = +-0.5/(0.57735+1e-4); equal group -> 0', () => {
    const a = 0.5 / (Math.sqrt(1 / 3) + 1e-4);
    expectClose(groupAdvantages(rewards, 4, 'group'), [a, -a, -a, a, 0, 0, 0, 0], tol, 'group');
  });

  it('scale_rewards=batch: std of all 8 = sqrt(5.5/7) = 0.886405 -> A = +-0.5/(0.886405+1e-4)', () => {
    // mean 1.25; squared deviations .0625+1.5625+1.5625+.0625+4*.5625 = 5.5; /7
    const a = 0.5 / (Math.sqrt(5.5 / 7) + 1e-4);
    expectClose(groupAdvantages(rewards, 4, 'batch'), [a, -a, -a, a, 0, 0, 0, 0], tol, 'batch');
  });

  it('scale_rewards=none: A = r - mean = +-0.5', () => {
    expectClose(groupAdvantages(rewards, 4, 'none'), [0.5, -0.5, -0.5, 0.5, 0, 0, 0, 0], tol, 'none');
  });

  it('frac_reward_zero_std = 1/2 and reward_std = (0.57735 + 0)/2', () => {
    expect(fracRewardZeroStd(rewards, 4)).toBe(0.5);
    expect(rewardStd(rewards, 4)).toBeCloseTo(Math.sqrt(1 / 3) / 2, 12);
  });

  it('refuses rewards that are not whole groups', () => {
    expect(() => groupAdvantages([1, 2, 3], 2, 'group')).toThrow(/multiple of groupSize 2/);
  });
});

describe('rloo and reinforce', () => {
  it('rloo: A_0 = 1 - (0+0+1)/3 = 2/3, A_1 = 0 - (1+0+1)/3 = -2/3; equal group -> 0', () => {
    expectClose(rlooAdvantages(rewards, 4), [2 / 3, -2 / 3, -2 / 3, 2 / 3, 0, 0, 0, 0], tol, 'rloo');
  });

  it('reinforce: step 1 baseline = its mean 0.5; step 2 uses 0.5 then moves to 0.9*0.5 + 0.1*1 = 0.55', () => {
    const s1 = reinforceAdvantages([1, 0, 0, 1], { baseline: null }, 0.9);
    expectClose(s1.advantages, [0.5, -0.5, -0.5, 0.5], tol, 'step1');
    expect(s1.state.baseline).toBeCloseTo(0.5, 12);
    const s2 = reinforceAdvantages([1, 1], s1.state, 0.9);
    expectClose(s2.advantages, [0.5, 0.5], tol, 'step2 (equal group, not zero)');
    expect(s2.state.baseline).toBeCloseTo(0.55, 12);
  });

  it('rowAdvantages dispatches on advantage_estimator', () => {
    const opts = { scale_rewards: 'none' as const, reinforce_baseline_decay: 0.9 };
    expect(rowAdvantages(rewards, 4, { ...opts, advantage_estimator: 'rloo' }).advantages[0]).toBeCloseTo(
      2 / 3,
      12,
    );
    expect(rowAdvantages(rewards, 4, { ...opts, advantage_estimator: 'group' }).advantages[0]).toBe(0.5);
    const r = rowAdvantages(rewards, 4, { ...opts, advantage_estimator: 'reinforce' });
    expect(r.advantages[4]).toBeCloseTo(2 - 1.25, 12);
    expect(r.state.baseline).toBeCloseTo(1.25, 12);
  });
});

describe('gae', () => {
  it('one row r=[0,1], V=[0.5,0.8]: A = [0.3+0.95*0.2, 0.2] = [0.49, 0.2], R = [0.99, 1.0]', () => {
    const out = gaeAdvantages({
      tokenRewards: [0, 1, 0],
      values: [0.5, 0.8, 9],
      mask: [1, 1, 0],
      rows: 1,
      gamma: 1,
      lam: 0.95,
      whiten: false,
    });
    expectClose(out.advantages, [0.49, 0.2, 0], tol, 'advantages');
    expectClose(out.returns, [0.99, 1.0, 0], tol, 'returns');
  });

  it('whitening uses the unbiased variance over masked tokens: [0.49, 0.2] -> +-0.145/sqrt(0.04205+1e-8)', () => {
    // mean 0.345, deviations +-0.145, unbiased var = 2*0.145^2/1 = 0.04205
    const x = Float64Array.from([0.49, 0.2, 5]);
    whitenMasked(x, [1, 1, 0]);
    const a = 0.145 / Math.sqrt(0.04205 + 1e-8);
    expectClose(x, [a, -a, 0], { atol: 1e-12, rtol: 1e-9 }, 'whitened');
  });

  it('token rewards: -beta*k1 per token plus the task reward on the last token', () => {
    // beta 0.1, lp - ref = [0.5, -1] on row 0 (2 tokens), row 1 has one token with lp - ref = 2
    const tr = gaeTokenRewards([1, 3], [1, 1, 1, 0], 0.1, [-1, -2, -1, 0], [-1.5, -1, -3, 0]);
    expectClose(tr, [-0.05, 0.1 + 1, -0.2 + 3, 0], tol, 'token rewards');
  });
});
