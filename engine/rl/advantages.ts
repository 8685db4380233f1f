/**
 * Advantage estimators of docs/ALGORITHMS.md ("Advantages") and the reward-spread metrics that go with
 * them. Rewards arrive flat, group after group ([P*G], completions of one prompt adjacent), as the
 * sampler produces them. `gae` lives in gae.ts because it works per token, not per completion.
 */

export type ScaleRewards = 'group' | 'batch' | 'none';
export type RowAdvantageEstimator = 'group' | 'rloo' | 'reinforce';

/** Standard deviations below this count as "all rewards agree" (docs/ALGORITHMS.md). */
export const ZERO_STD = 1e-6;
/** Added to the std before dividing, as TRL does. */
export const STD_EPS = 1e-4;

/** State the `reinforce` baseline carries from step to step; `null` before the first step. */
export interface ReinforceState {
  baseline: number | null;
}

type Rewards = ArrayLike<number>;

function checkGroups(rewards: Rewards, groupSize: number): number {
  if (!Number.isInteger(groupSize) || groupSize < 1)
    throw new Error(`groupSize must be >= 1 (got ${groupSize})`);
  if (rewards.length % groupSize !== 0) {
    throw new Error(`rewards length ${rewards.length} is not a multiple of groupSize ${groupSize}`);
  }
  return rewards.length / groupSize;
}

export function mean(values: Rewards, start = 0, end = values.length): number {
  let s = 0;
  for (let i = start; i < end; i++) s += values[i];
  return end > start ? s / (end - start) : 0;
}

/** Sample standard deviation (divides by n-1); 0 for fewer than 2 values. */
export function sampleStd(values: Rewards, start = 0, end = values.length): number {
  const n = end - start;
  if (n < 2) return 0;
  const m = mean(values, start, end);
  let s = 0;
  for (let i = start; i < end; i++) s += (values[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/** Per-group sample std, [P]. */
export function groupStds(rewards: Rewards, groupSize: number): Float64Array {
  const groups = checkGroups(rewards, groupSize);
  const out = new Float64Array(groups);
  for (let g = 0; g < groups; g++) out[g] = sampleStd(rewards, g * groupSize, (g + 1) * groupSize);
  return out;
}

/** Whether a group's rewards spread (std >= 1e-6); the dynamic-sampling keep rule. */
export function hasSpread(groupRewards: Rewards): boolean {
  return sampleStd(groupRewards) >= ZERO_STD;
}

/** `frac_reward_zero_std`: fraction of groups whose rewards all agree (std < 1e-6). */
export function fracRewardZeroStd(rewards: Rewards, groupSize: number): number {
  const stds = groupStds(rewards, groupSize);
  let zero = 0;
  for (const s of stds) if (s < ZERO_STD) zero++;
  return stds.length ? zero / stds.length : 0;
}

/** `reward_std`: mean over groups of each group's sample std (as TRL logs it). */
export function rewardStd(rewards: Rewards, groupSize: number): number {
  return mean(groupStds(rewards, groupSize));
}

/**
 * GRPO's group-relative advantage: A_i = (r_i - mean_g r) / (std + 1e-4) with the group's std
 * (`group`), the whole step's std (`batch`), or no division (`none`, Dr. GRPO 2503.20783).
 * Groups whose std < 1e-6 get exactly 0.
 */
export function groupAdvantages(rewards: Rewards, groupSize: number, scale: ScaleRewards): Float64Array {
  const groups = checkGroups(rewards, groupSize);
  const out = new Float64Array(rewards.length);
  const batchStd = sampleStd(rewards);
  for (let g = 0; g < groups; g++) {
    const start = g * groupSize;
    const end = start + groupSize;
    const m = mean(rewards, start, end);
    const std = sampleStd(rewards, start, end);
    if (std < ZERO_STD) continue;
    let divisor: number;
    switch (scale) {
      case 'group':
        divisor = std + STD_EPS;
        break;
      case 'batch':
        divisor = batchStd + STD_EPS;
        break;
      case 'none':
        divisor = 1;
        break;
      default:
        return scale satisfies never;
    }
    for (let i = start; i < end; i++) out[i] = (rewards[i] - m) / divisor;
  }
  return out;
}

/** RLOO (2402.14740): A_i = r_i - (sum_{j != i} r_j)/(G-1); 0 for groups whose rewards agree. */
export function rlooAdvantages(rewards: Rewards, groupSize: number): Float64Array {
  const groups = checkGroups(rewards, groupSize);
  if (groupSize < 2) throw new Error(`rloo needs groupSize >= 2 (got ${groupSize})`);
  const out = new Float64Array(rewards.length);
  for (let g = 0; g < groups; g++) {
    const start = g * groupSize;
    const end = start + groupSize;
    if (sampleStd(rewards, start, end) < ZERO_STD) continue;
    let sum = 0;
    for (let i = start; i < end; i++) sum += rewards[i];
    for (let i = start; i < end; i++) out[i] = rewards[i] - (sum - rewards[i]) / (groupSize - 1);
  }
  return out;
}

/**
 * REINFORCE with a moving-average baseline: A_i = r_i - b. b starts at the first step's mean
 * reward and after each step becomes decay*b + (1-decay)*mean(step). Not zero for equal groups.
 * State goes in and comes out; nothing is kept here.
 */
export function reinforceAdvantages(
  rewards: Rewards,
  state: ReinforceState,
  decay: number,
): { advantages: Float64Array; state: ReinforceState } {
  const stepMean = mean(rewards);
  const baseline = state.baseline ?? stepMean;
  const advantages = new Float64Array(rewards.length);
  for (let i = 0; i < rewards.length; i++) advantages[i] = rewards[i] - baseline;
  return { advantages, state: { baseline: decay * baseline + (1 - decay) * stepMean } };
}

export interface RowAdvantageOptions {
  advantage_estimator: RowAdvantageEstimator;
  scale_rewards: ScaleRewards;
  reinforce_baseline_decay: number;
}

/** Per-completion advantages [P*G] for the estimators that give one number per completion. */
export function rowAdvantages(
  rewards: Rewards,
  groupSize: number,
  options: RowAdvantageOptions,
  state: ReinforceState = { baseline: null },
): { advantages: Float64Array; state: ReinforceState } {
  switch (options.advantage_estimator) {
    case 'group':
      return { advantages: groupAdvantages(rewards, groupSize, options.scale_rewards), state };
    case 'rloo':
      return { advantages: rlooAdvantages(rewards, groupSize), state };
    case 'reinforce':
      checkGroups(rewards, groupSize);
      return reinforceAdvantages(rewards, state, options.reinforce_baseline_decay);
    default:
      return options.advantage_estimator satisfies never;
  }
}
