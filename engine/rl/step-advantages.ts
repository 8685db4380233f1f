/**
 * One step's rewards -> per-token advantages, in docs/ALGORITHMS.md's order: task reward (+ DAPO overlong
 * penalty) is what `reward`, `reward_std` and `frac_reward_zero_std` log; then `kl_in = reward`
 * subtracts beta*sum k1 (or, under gae, pays -beta*k1 per token); then the chosen estimator. The
 * trainer calls this once per step and hands the result to policyLoss.
 */

import {
  fracRewardZeroStd,
  type ReinforceState,
  rewardStd,
  rowAdvantages,
  type ScaleRewards,
} from './advantages';
import { gaeAdvantages, gaeTokenRewards } from './gae';
import type { KlIn } from './kl';
import { klPenalizedRewards } from './kl';
import { effectiveOverlongBuffer, overlongPenalty } from './shaping';

export type AdvantageEstimator = 'group' | 'rloo' | 'reinforce' | 'gae' | 'none';

export interface StepAdvantageOptions {
  advantage_estimator: AdvantageEstimator;
  scale_rewards: ScaleRewards;
  reinforce_baseline_decay: number;
  beta: number;
  kl_in: KlIn;
  gamma: number;
  lam: number;
  whiten_advantages: boolean;
  overlong_penalty: boolean;
  overlong_buffer: number | null;
  max_completion_length: number;
}

export interface StepBatch {
  /** [B] weighted task rewards, groups of groupSize adjacent. */
  rewards: ArrayLike<number>;
  groupSize: number;
  /** [B*L] completion-token mask (EOS counts); row lengths come from it. */
  mask: ArrayLike<number>;
  /** [B*L] needed when beta > 0 and kl_in = reward. */
  lp?: ArrayLike<number>;
  ref?: ArrayLike<number>;
  /** [B*L] tokens whose KL the reward pays under kl_in = reward (default `mask`; prefix sampling leaves out forced tokens). */
  klMask?: ArrayLike<number>;
  /** [B*L] value predictions (gae). */
  values?: ArrayLike<number>;
}

export interface StepAdvantages {
  /** [B*L] advantage of every completion token (row value repeated for row estimators, 0 off the mask). */
  advantages: Float64Array;
  /** [B] rewards after overlong shaping (what `reward` logs). */
  shapedRewards: Float64Array;
  /** [B*L] gae returns; null for other estimators. */
  returns: Float64Array | null;
  state: ReinforceState;
  metrics: { reward: number; reward_std: number; frac_reward_zero_std: number };
}

/**
 * The task rewards after DAPO's overlong shaping (when on): what `reward` logs.
 * Rows are `rewards.length`, each `mask.length / rows` long.
 */
export function shapedRewards(
  options: Pick<StepAdvantageOptions, 'overlong_penalty' | 'overlong_buffer' | 'max_completion_length'>,
  rewards: ArrayLike<number>,
  mask: ArrayLike<number>,
): Float64Array {
  const rows = rewards.length;
  const L = mask.length / rows;
  if (rows > 0 && !Number.isInteger(L))
    throw new Error(`stepAdvantages: mask length ${mask.length} is not a multiple of ${rows} rows`);
  const shaped = Float64Array.from(rewards);
  if (options.overlong_penalty) {
    const buffer = effectiveOverlongBuffer(options);
    for (let b = 0; b < rows; b++) {
      let length = 0;
      for (let t = 0; t < L; t++) length += mask[b * L + t] ? 1 : 0;
      shaped[b] += overlongPenalty(length, options.max_completion_length, buffer);
    }
  }
  return shaped;
}

/** `reward`, `reward_std` and `frac_reward_zero_std` of shaped rewards in groups of `groupSize`. */
export function rewardMetrics(shaped: Float64Array, groupSize: number): StepAdvantages['metrics'] {
  let sum = 0;
  for (const r of shaped) sum += r;
  return {
    reward: shaped.length ? sum / shaped.length : 0,
    reward_std: rewardStd(shaped, groupSize),
    frac_reward_zero_std: fracRewardZeroStd(shaped, groupSize),
  };
}

export function stepAdvantages(
  options: StepAdvantageOptions,
  batch: StepBatch,
  state: ReinforceState = { baseline: null },
): StepAdvantages {
  const rows = batch.rewards.length;
  const n = batch.mask.length;
  const L = n / rows;
  if (!Number.isInteger(L))
    throw new Error(`stepAdvantages: mask length ${n} is not a multiple of ${rows} rows`);
  const shaped = shapedRewards(options, batch.rewards, batch.mask);
  const metrics = rewardMetrics(shaped, batch.groupSize);
  const klInReward = options.kl_in === 'reward' && options.beta !== 0;
  if (klInReward && (!batch.lp || !batch.ref))
    throw new Error('stepAdvantages: kl_in = reward with beta > 0 needs lp and ref');
  const estimator = options.advantage_estimator;
  switch (estimator) {
    case 'group':
    case 'rloo':
    case 'reinforce': {
      const rewards = klInReward
        ? klPenalizedRewards(shaped, batch.lp!, batch.ref!, batch.klMask ?? batch.mask, options.beta)
        : shaped;
      const row = rowAdvantages(
        rewards,
        batch.groupSize,
        { ...options, advantage_estimator: estimator },
        state,
      );
      const advantages = new Float64Array(n);
      for (let k = 0; k < n; k++) advantages[k] = batch.mask[k] ? row.advantages[Math.floor(k / L)] : 0;
      return { advantages, shapedRewards: shaped, returns: null, state: row.state, metrics };
    }
    case 'gae': {
      if (!batch.values) throw new Error('stepAdvantages: gae needs values');
      const tokenRewards = gaeTokenRewards(
        shaped,
        batch.mask,
        klInReward ? options.beta : 0,
        batch.lp,
        batch.ref,
      );
      const out = gaeAdvantages({
        tokenRewards,
        values: batch.values,
        mask: batch.mask,
        rows,
        gamma: options.gamma,
        lam: options.lam,
        whiten: options.whiten_advantages,
      });
      return { advantages: out.advantages, shapedRewards: shaped, returns: out.returns, state, metrics };
    }
    case 'none':
      throw new Error(
        'stepAdvantages: advantage_estimator none (rft, sft) trains with sftLoss, not advantages',
      );
    default:
      return estimator satisfies never;
  }
}
