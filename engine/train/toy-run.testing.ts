/**
 * Test support for "each algorithm raises held-out reward on a toy task with a fixed seed" (docs/DESIGN.md
 * Verification): one short seeded run of the smoke model on 3-digit reversal over '012', scored per
 * correct character, from random weights. The held-out eval/reward is measured when RL starts (after
 * any sft_steps) and at the end. Settings were tuned so every algorithm gains well over 0.1 in about
 * 20 s of software WebGPU; per-algorithm departures are passed in and explained by the tests.
 */
import { testRuntime } from '../../kernels/testing/gpu';
import { type PartialRunConfig, resolveRunConfig } from '../config/resolve';
import type { Algorithm, RunConfig } from '../config/schema';
import { createTrainingSession } from './session';

/** The shared toy: 27 prompts like '{201}=' (answer '102'), about 30% held out, completions of at most 4 tokens. */
export function toyConfig(algorithm: Algorithm, over: PartialRunConfig = {}): RunConfig {
  return resolveRunConfig({
    algorithm,
    seed: 0,
    model: { name: 'smoke', overrides: {} },
    task: { name: 'reversal', length: 3, symbols: '012', held_out_fraction: 0.3 },
    reward_funcs: ['char_match'],
    prompts_per_step: 8,
    num_generations: 8,
    max_completion_length: 4,
    learning_rate: 3e-2,
    max_steps: 20,
    eval_every: 0,
    eval_prompts: 8,
    eval_samples: 8,
    eval_k: 4,
    ...over,
  });
}

export interface ToyRunResult {
  /** Held-out eval/reward when RL starts (after any SFT warm-up). */
  before: number;
  /** Held-out eval/reward after max_steps. */
  after: number;
  /** Training reward of each sampling step (absent for SFT steps). */
  rewards: number[];
  warnings: string[];
  seconds: number;
}

export async function toyRun(config: RunConfig): Promise<ToyRunResult> {
  const rt = await testRuntime();
  const warnings: string[] = [];
  const t0 = performance.now();
  const session = await createTrainingSession(rt, config, { onWarning: (m) => warnings.push(m) });
  try {
    while (session.phase === 'sft' && config.algorithm !== 'sft') await session.step();
    const before = (await session.evaluate())['eval/reward'];
    const rewards: number[] = [];
    while (session.stepsDone < config.max_steps) {
      const m = await session.step();
      if (m.reward !== undefined) rewards.push(m.reward);
    }
    const after = (await session.evaluate())['eval/reward'];
    return { before, after, rewards, warnings, seconds: (performance.now() - t0) / 1000 };
  } finally {
    session.dispose();
  }
}

/** One line for the test log: `grpo seed 0: eval/reward 0.036 -> 0.202 (+0.167) in 25.7 s`. */
export function describeRun(config: RunConfig, r: ToyRunResult): string {
  const gain = r.after - r.before;
  return (
    `${config.algorithm} seed ${config.seed}: eval/reward ${r.before.toFixed(3)} -> ${r.after.toFixed(3)} ` +
    `(${gain >= 0 ? '+' : ''}${gain.toFixed(3)}) in ${r.seconds.toFixed(1)} s` +
    (r.warnings.length ? `; ${r.warnings.length} warnings, first: ${r.warnings[0]}` : '')
  );
}
