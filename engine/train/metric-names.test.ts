/**
 * Real steps emit only listed metric names: a micro run of each algorithm on the smoke model (with
 * the options that add keys turned on: an SFT warm-up, eval at every step, beta > 0, dynamic sampling,
 * DART) checks every key of every row against engine/train/metric-names.ts, and that the rows carry
 * each algorithm's own keys, so the check is not vacuous.
 */
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import type { PartialRunConfig } from '../config/resolve';
import { ALGORITHMS, type Algorithm } from '../config/schema';
import { isListedMetric, metricSpec } from './metric-names';
import { createTrainingSession } from './session';
import { toyConfig } from './toy-run.testing';

const EXTRA: Record<Algorithm, PartialRunConfig> = {
  grpo: { sft_steps: 1, beta: 0.04, freeze: { fraction: 0.5 } },
  dr_grpo: {},
  dapo: { dynamic_sampling: true, max_resample_rounds: 1 },
  rloo: {},
  reinforce: {},
  ppo: {},
  rft: { difficulty_aware: true, min_correct: 1, max_samples_per_prompt: 4, rft_threshold: 0.5 },
  sft: { sft_targets: 'self_when_correct' },
};

/** Keys each run must show: its algorithm's own, plus eval's. */
const EXPECTED: Record<Algorithm, string[]> = {
  grpo: ['kl', 'reward_std', 'rewards/char_match/mean', 'clip_ratio/low_mean', 'freeze/fraction'],
  dr_grpo: ['reward'],
  dapo: [
    'dynamic_sampling/groups_kept',
    'dynamic_sampling/rounds',
    'dynamic_sampling/kept_reward',
    'num_completions',
  ],
  rloo: ['reward'],
  reinforce: ['reward'],
  ppo: ['value_loss'],
  rft: ['rft/kept_fraction', 'rft/prompts_with_kept', 'num_completions'],
  sft: ['loss', 'sft/self_fraction'],
};

async function keysOf(algorithm: Algorithm): Promise<Set<string>> {
  const config = toyConfig(algorithm, {
    prompts_per_step: 2,
    num_generations: 2,
    max_completion_length: 2,
    max_steps: 2,
    eval_every: 1,
    eval_prompts: 2,
    eval_samples: 2,
    eval_k: 2,
    ...EXTRA[algorithm],
  });
  const session = await createTrainingSession(await testRuntime(), config);
  try {
    const keys = new Set<string>();
    for (let s = 0; s < config.max_steps; s++) for (const k of Object.keys(await session.step())) keys.add(k);
    return keys;
  } finally {
    session.dispose();
  }
}

describe('emitted metric names', () => {
  it.each([...ALGORITHMS])('%s: every key of two steps is listed', async (algorithm) => {
    const keys = await keysOf(algorithm);
    expect([...keys].filter((k) => !isListedMetric(k))).toEqual([]);
    for (const k of [...EXPECTED[algorithm], 'eval/pass@1', 'eval/pass@2', 'step'])
      expect(keys.has(k), `${algorithm} logs ${k}`).toBe(true);
    // a key the registry says this algorithm never logs would be a wrong registry entry
    const foreign = [...keys].filter((k) => !metricSpec(k)?.algorithms.includes(algorithm));
    expect(foreign).toEqual([]);
  });
});
