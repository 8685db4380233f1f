/**
 * DAPO's dynamic sampling (2503.14476): groups whose rewards all agree teach nothing under group
 * advantages, so they are dropped and more prompts drawn until P groups with spread exist or
 * `max_resample_rounds` extra rounds are spent; then the step trains on what there is. The GPU
 * work stays with the caller: `draw(count, round)` generates and scores `count` new groups.
 */

import { hasSpread } from './advantages';

export interface DynamicSamplingResult<G> {
  /** At most `target` groups with spread, in the order drawn. */
  groups: G[];
  /** Extra rounds drawn after the first. */
  rounds: number;
  /** Groups generated in all (kept and dropped). */
  drawn: number;
  metrics: { 'dynamic_sampling/groups_kept': number; 'dynamic_sampling/rounds': number };
}

/** Keeps the groups whose rewards spread (sample std >= 1e-6). */
export function filterGroupsWithSpread<G>(
  groups: readonly G[],
  rewardsOf: (group: G) => ArrayLike<number>,
): G[] {
  return groups.filter((g) => hasSpread(rewardsOf(g)));
}

/**
 * Round 0 draws `target` groups; each later round (at most maxResampleRounds) draws as many as are
 * still missing. Example: target 4, first round keeps 2, second keeps 1, third keeps 3 -> 4 kept
 * (the extra one is dropped), rounds = 2.
 */
export async function dynamicSample<G>(options: {
  target: number;
  maxResampleRounds: number;
  draw: (count: number, round: number) => Promise<readonly G[]> | readonly G[];
  rewardsOf: (group: G) => ArrayLike<number>;
}): Promise<DynamicSamplingResult<G>> {
  const kept: G[] = [];
  let drawn = 0;
  let round = 0;
  for (; round <= options.maxResampleRounds; round++) {
    const missing = options.target - kept.length;
    if (missing <= 0) break;
    const fresh = await options.draw(missing, round);
    drawn += fresh.length;
    kept.push(...filterGroupsWithSpread(fresh, options.rewardsOf));
  }
  const groups = kept.slice(0, options.target);
  const rounds = Math.max(0, round - 1);
  return {
    groups,
    rounds,
    drawn,
    metrics: { 'dynamic_sampling/groups_kept': groups.length, 'dynamic_sampling/rounds': rounds },
  };
}
