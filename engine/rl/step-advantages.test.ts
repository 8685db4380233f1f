import { describe, expect, it } from 'vitest';
import { expectClose } from '../../kernels/testing/compare';
import { type StepAdvantageOptions, stepAdvantages } from './step-advantages';

const base: StepAdvantageOptions = {
  advantage_estimator: 'group',
  scale_rewards: 'none',
  reinforce_baseline_decay: 0.9,
  beta: 0,
  kl_in: 'loss',
  gamma: 1,
  lam: 0.95,
  whiten_advantages: false,
  overlong_penalty: false,
  overlong_buffer: null,
  max_completion_length: 4,
};
const tol = { atol: 1e-12, rtol: 0 };
// one group of G = 2, L = 4: row 0 has 2 tokens, row 1 all 4 (hit the limit)
const mask = [1, 1, 0, 0, 1, 1, 1, 1];

describe('stepAdvantages', () => {
  it('group/none broadcasts the row advantage to the row tokens: rewards [1, 0] -> A = [0.5, -0.5]', () => {
    const r = stepAdvantages(base, { rewards: [1, 0], groupSize: 2, mask });
    expectClose(r.advantages, [0.5, 0.5, 0, 0, -0.5, -0.5, -0.5, -0.5], tol, 'A');
    expect(r.metrics).toEqual({ reward: 0.5, reward_std: Math.SQRT1_2, frac_reward_zero_std: 0 });
  });

  it('overlong penalty (buffer 2 of L_max 4) enters the logged reward: lengths 2, 4 -> penalties 0, -1', () => {
    // rewards [1, 1] become [1, 0]: the group now spreads
    const r = stepAdvantages(
      { ...base, overlong_penalty: true, overlong_buffer: 2 },
      { rewards: [1, 1], groupSize: 2, mask },
    );
    expectClose(r.shapedRewards, [1, 0], tol, 'shaped');
    expect(r.metrics.reward).toBe(0.5);
    expectClose(r.advantages, [0.5, 0.5, 0, 0, -0.5, -0.5, -0.5, -0.5], tol, 'A');
  });

  it('kl_in = reward subtracts beta*sum k1 before advantages, but after the logged reward', () => {
    // k1 sums: row 0: 0.5 + 0.5 = 1; row 1: 0. beta 0.5 -> rewards [1 - 0.5, 1] = [0.5, 1] -> A = [-0.25, 0.25]
    const lp = [-1, -1, 0, 0, -1, -1, -1, -1];
    const ref = [-1.5, -1.5, 0, 0, -1, -1, -1, -1];
    const r = stepAdvantages(
      { ...base, beta: 0.5, kl_in: 'reward' },
      { rewards: [1, 1], groupSize: 2, mask, lp, ref },
    );
    expect(r.metrics.reward).toBe(1);
    expectClose(r.advantages, [-0.25, -0.25, 0, 0, 0.25, 0.25, 0.25, 0.25], tol, 'A');
  });

  it('gae: per-token, task reward on the last token, values from the head', () => {
    // row 0: r = [0, 1], V = [0.5, 0.8] -> A = [0.49, 0.2] (see gae.ts); row 1: r = [0,0,0,0], V = 0 -> A = 0
    const r = stepAdvantages(
      { ...base, advantage_estimator: 'gae' },
      { rewards: [1, 0], groupSize: 2, mask, values: [0.5, 0.8, 0, 0, 0, 0, 0, 0] },
    );
    expectClose(r.advantages, [0.49, 0.2, 0, 0, 0, 0, 0, 0], tol, 'A');
    expectClose(r.returns!, [0.99, 1, 0, 0, 0, 0, 0, 0], tol, 'R');
  });

  it('reinforce carries its baseline; none refuses', () => {
    const r = stepAdvantages(
      { ...base, advantage_estimator: 'reinforce' },
      { rewards: [1, 0], groupSize: 2, mask },
    );
    expect(r.state.baseline).toBe(0.5);
    expect(() =>
      stepAdvantages({ ...base, advantage_estimator: 'none' }, { rewards: [1, 0], groupSize: 2, mask }),
    ).toThrow(/sftLoss/);
  });
});
