/**
 * Reward functions and their weighted combination. `weightedRewards` turns RunConfig's
 * `reward_funcs` / `reward_weights` into the list `scoreCompletions` takes.
 */

import { type RewardName, rewardFunction } from './builtin';
import type { WeightedReward } from './score';

export * from './builtin';
export * from './score';

/** reward_weights null means weight 1 for every function. */
export function weightedRewards(
  names: readonly RewardName[],
  weights: readonly number[] | null,
): WeightedReward[] {
  if (weights && weights.length !== names.length) {
    throw new Error(`reward_weights has ${weights.length} entries for ${names.length} reward_funcs`);
  }
  return names.map((name, i) => ({ name, weight: weights ? weights[i] : 1, fn: rewardFunction(name) }));
}
