/**
 * Combines several reward functions with weights into each completion's reward r_i = sum_f w_f r_f,i
 * (docs/ALGORITHMS.md), keeping every function's value for the `rewards/<fn>/mean` metrics. A function
 * that throws or returns NaN, Infinity or a non-number is isolated: its value is null, the sample's
 * total is NaN, and `errors` names the function and sample; the caller decides to skip or pause.
 */

import type { RewardFn, RewardInput } from './builtin';

export interface WeightedReward {
  name: string;
  weight: number;
  fn: RewardFn;
}

export interface RewardError {
  fn: string;
  /** Index of the sample in the inputs. */
  sample: number;
  message: string;
}

export interface ScoreResult {
  /** [N] weighted totals; NaN where any function failed on that sample. */
  rewards: Float64Array;
  /** Per function, [N] values (null where it failed). */
  perFunction: Record<string, (number | null)[]>;
  /** `rewards/<fn>/mean` over the samples where the function succeeded (NaN if none did). */
  metrics: Record<string, number>;
  errors: RewardError[];
}

/**
 * Example: funcs correct (w 1) and format (w 0.5) on two samples scoring (1, 1) and (0, 1):
 * rewards [1.5, 0.5], metrics rewards/correct/mean 0.5, rewards/format/mean 1.
 */
export function scoreCompletions(
  funcs: readonly WeightedReward[],
  inputs: readonly RewardInput[],
): ScoreResult {
  const names = new Set<string>();
  for (const f of funcs) {
    if (names.has(f.name)) throw new Error(`scoreCompletions: reward function ${f.name} listed twice`);
    names.add(f.name);
  }
  const rewards = new Float64Array(inputs.length);
  const perFunction: Record<string, (number | null)[]> = {};
  const metrics: Record<string, number> = {};
  const errors: RewardError[] = [];
  for (const f of funcs) {
    const values: (number | null)[] = [];
    let sum = 0;
    let count = 0;
    inputs.forEach((input, i) => {
      let value: unknown;
      try {
        value = f.fn(input);
      } catch (e) {
        errors.push({
          fn: f.name,
          sample: i,
          message: `threw: ${e instanceof Error ? e.message : String(e)}`,
        });
        values.push(null);
        rewards[i] = Number.NaN;
        return;
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        const got = typeof value === 'number' ? String(value) : typeof value;
        errors.push({ fn: f.name, sample: i, message: `returned ${got}, not a finite number` });
        values.push(null);
        rewards[i] = Number.NaN;
        return;
      }
      values.push(value);
      rewards[i] += f.weight * value;
      sum += value;
      count++;
    });
    perFunction[f.name] = values;
    metrics[`rewards/${f.name}/mean`] = count ? sum / count : Number.NaN;
  }
  return { rewards, perFunction, metrics, errors };
}
