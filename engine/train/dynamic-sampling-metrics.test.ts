/**
 * Dynamic sampling's counting (docs/ALGORITHMS.md, "Counting and dynamic sampling") on real steps of
 * the smoke model: `reward`, `reward_std`, `frac_reward_zero_std` and `rewards/<fn>/mean` cover every
 * group sampled in the step (kept and dropped, all rounds), `dynamic_sampling/kept_reward` the groups
 * trained on, the samples row lists the dropped groups marked with why, and `num_completions` counts
 * every completion sampled since the run began.
 */
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import { fracRewardZeroStd, hasSpread, rewardStd } from '../rl/advantages';
import { createTrainingSession } from './session';
import type { StepMetrics, StepSamples } from './session-types';
import { toyConfig } from './toy-run.testing';

const meanOf = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('dynamic sampling counts every group it sampled', () => {
  it('reward covers all rounds, kept_reward the trained groups; dropped groups are in the samples; num_completions adds up', async () => {
    const config = toyConfig('dapo', {
      dynamic_sampling: true,
      max_resample_rounds: 2,
      overlong_penalty: false,
      prompts_per_step: 4,
      num_generations: 3,
      max_completion_length: 3,
      max_steps: 3,
    });
    const samples: StepSamples[] = [];
    const session = await createTrainingSession(await testRuntime(), config, {
      onSamples: (s) => samples.push(s),
    });
    const rows: StepMetrics[] = [];
    try {
      for (let s = 0; s < config.max_steps; s++) rows.push(await session.step());
    } finally {
      session.dispose();
    }
    expect(samples.length).toBe(rows.length);
    let completions = 0;
    let droppedSeen = 0;
    rows.forEach((row, i) => {
      const groups = samples[i].groups;
      const kept = groups.filter((g) => !g.dropped);
      const dropped = groups.filter((g) => g.dropped);
      droppedSeen += dropped.length;
      // trained groups first, then the dropped ones
      expect(groups.slice(0, kept.length).every((g) => !g.dropped)).toBe(true);
      for (const g of dropped) {
        const rewards = g.completions.map((c) => c.reward);
        expect(g.dropped).toBe(hasSpread(rewards) ? 'surplus' : 'all_agree');
        expect(g.completions.every((c) => c.advantage === 0)).toBe(true);
      }
      expect(kept.length).toBe(row['dynamic_sampling/groups_kept']);
      const all = groups.flatMap((g) => g.completions.map((c) => c.reward));
      expect(row.reward).toBeCloseTo(meanOf(all), 12);
      expect(row.reward_std).toBeCloseTo(rewardStd(all, config.num_generations), 12);
      expect(row.frac_reward_zero_std).toBeCloseTo(fracRewardZeroStd(all, config.num_generations), 12);
      const fnAll = groups.flatMap((g) => g.completions.map((c) => c.rewards.char_match));
      expect(row['rewards/char_match/mean']).toBeCloseTo(meanOf(fnAll), 12);
      if (kept.length > 0)
        expect(row['dynamic_sampling/kept_reward']).toBeCloseTo(
          meanOf(kept.flatMap((g) => g.completions.map((c) => c.reward))),
          12,
        );
      completions += groups.reduce((n, g) => n + g.completions.length, 0);
      expect(row.num_completions).toBe(completions);
    });
    // the check is not vacuous: this seed drops groups in these steps
    expect(droppedSeen).toBeGreaterThan(0);
  });
});
