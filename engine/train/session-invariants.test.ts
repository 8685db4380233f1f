/**
 * docs/ALGORITHMS.md's invariants checked in real training steps on the GPU rather than in the float64
 * formulas alone: with num_iterations = 1 the ratio is exactly 1, so every clip-ratio metric of a step
 * is exactly 0; the KL to the reference is exactly 0 at the first RL step, also after an SFT warm-up
 * (the reference is the policy when RL starts, not at load). The contrasts (mu = 2 clips, the second
 * RL step has KL > 0) show the metrics are live, so the zeros are not vacuous. Each phase of an RL step
 * (sampling, reference, backward + update) is one queue submission.
 */
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import { type PartialRunConfig, resolveRunConfig } from '../config/resolve';
import { createTrainingSession } from './session';
import type { StepMetrics } from './session-types';

/** A micro GRPO run (smoke model, reversal of 2 digits) with the algorithm's beta 0.04 and k3 in the loss. */
function toyConfig(over: PartialRunConfig = {}) {
  return resolveRunConfig({
    algorithm: 'grpo',
    seed: 7,
    model: { name: 'smoke', overrides: {} },
    task: { name: 'reversal', length: 2, symbols: '012', held_out_fraction: 0.25 },
    reward_funcs: ['char_match'],
    prompts_per_step: 4,
    num_generations: 4,
    max_completion_length: 3,
    learning_rate: 3e-2,
    eval_every: 0,
    max_steps: 10,
    ...over,
  });
}

async function run(config: ReturnType<typeof toyConfig>, steps: number): Promise<StepMetrics[]> {
  const rt = await testRuntime();
  const warnings: string[] = [];
  const session = await createTrainingSession(rt, config, { onWarning: (m) => warnings.push(m) });
  try {
    const out: StepMetrics[] = [];
    for (let i = 0; i < steps; i++) out.push(await session.step());
    expect(warnings, 'no step was refused').toEqual([]);
    return out;
  } finally {
    session.dispose();
  }
}

const CLIP_KEYS = ['clip_ratio/low_mean', 'clip_ratio/high_mean', 'clip_ratio/region_mean'] as const;

describe('num_iterations = 1: ratio exactly 1 in real steps', () => {
  it('every clip ratio of 3 GRPO steps (eps 0.2 / eps_high 0.2, lr 3e-2) is exactly 0', async () => {
    const config = toyConfig();
    expect(config.num_iterations).toBe(1);
    const steps = await run(config, 3);
    for (const m of steps) {
      for (const key of CLIP_KEYS) expect(m[key], `step ${m.step} ${key}`).toBe(0);
      expect(m.loss, `step ${m.step} loss`).toSatisfy(Number.isFinite);
      // one queue submission per phase (issue 17): sampling, the reference's log-probs (beta 0.04),
      // and the backward with the update and its one readback
      expect([m['submits/generate'], m['submits/reference'], m['submits/train']]).toEqual([1, 1, 1]);
    }
    // the steps did train: the policy's entropy moved
    expect(steps[2].entropy).not.toBe(steps[0].entropy);
  });

  it('contrast: num_iterations = 2 reuses the rollouts with old as sampled, and its second pass clips', async () => {
    const steps = await run(toyConfig({ num_iterations: 2, learning_rate: 1e-1 }), 3);
    const region = steps.map((m) => m['clip_ratio/region_mean']);
    // one submission per optimizer pass over the batch
    for (const m of steps) expect(m['submits/train']).toBe(2);
    console.log(`mu = 2 clip_ratio/region_mean per step: ${region.map((r) => r.toFixed(4)).join(', ')}`);
    expect(Math.max(...region)).toBeGreaterThan(0);
  });
});

describe('KL to the reference at the first RL step', () => {
  it('beta 0.04, no warm-up: the first step logs kl = 0 exactly, the second kl > 0', async () => {
    const config = toyConfig();
    expect(config.beta).toBe(0.04);
    const [first, second] = await run(config, 2);
    expect(first.kl).toBe(0);
    expect(second.kl).toBeGreaterThan(0);
  });

  it('after 3 SFT warm-up steps the reference is the post-SFT policy: kl = 0 at step 3, not before', async () => {
    const steps = await run(toyConfig({ sft_steps: 3, learning_rate: 1e-2 }), 5);
    for (const m of steps.slice(0, 3)) {
      expect(m.kl, `SFT step ${m.step} logs no kl`).toBeUndefined();
      expect(m.reward, `SFT step ${m.step} samples nothing`).toBeUndefined();
    }
    expect(steps[3].kl).toBe(0);
    expect(steps[4].kl).toBeGreaterThan(0);
    // the warm-up moved the weights, so a reference taken at load would have shown kl > 0 at step 3
    expect(steps[2].loss).toBeLessThan(steps[0].loss);
  });
});
