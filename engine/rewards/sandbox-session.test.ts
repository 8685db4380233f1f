/**
 * A training session on the GPU with user reward code in the Node sandbox: a function that never
 * returns makes `step()` reject within the time limit with a RewardFailure naming it, the run keeps its
 * weights, optimizer moments and step count, and the same sandbox then trains a session whose config
 * fixed the code (started from the first session's weights); config validation names unknown functions.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import { type PartialRunConfig, parseRunConfig, resolveRunConfig } from '../config/resolve';
import { memoryFs, readCheckpoint } from '../model/checkpoint';
import { RewardFailure } from '../train/rollout';
import { createTrainingSession, type TrainingSession } from '../train/session';
import type { TrainerContext } from '../train/steps';
import { createNodeRewardSandbox } from './sandbox-node';

const LIMIT_MS = 800;
const sandbox = createNodeRewardSandbox({ timeLimitMs: LIMIT_MS });
afterAll(() => sandbox.dispose());

function toyConfig(source: string, over: PartialRunConfig = {}) {
  return resolveRunConfig({
    algorithm: 'grpo',
    seed: 5,
    model: { name: 'smoke', overrides: {} },
    task: { name: 'reversal', length: 2, symbols: '012', held_out_fraction: 0.25 },
    reward_code: [{ name: 'mine', source }],
    reward_funcs: ['char_match', 'mine'],
    prompts_per_step: 4,
    num_generations: 4,
    max_completion_length: 3,
    learning_rate: 1e-2,
    beta: 0,
    eval_every: 0,
    max_steps: 10,
    ...over,
  });
}

const trainerOf = (s: TrainingSession) => (s as unknown as { ctx: TrainerContext }).ctx;

async function weightsOf(s: TrainingSession) {
  const ctx = trainerOf(s);
  return [
    ...(await ctx.model.params.download()).values(),
    ...(await ctx.optimizer.m.download()).values(),
  ].flatMap((a) => Array.from(a));
}

describe('training with user reward code', () => {
  it('a reward that loops forever refuses the step within the limit; the run keeps its state; a fixed config trains on', async () => {
    const rt = await testRuntime();
    // Per worker, the context's globals persist: this function loops from its 17th call (the 2nd batch
    // of 4 x 4 completions) until its worker is stopped; the next worker starts counting afresh.
    const config = toyConfig(
      '(c, p, a) => { globalThis.calls = (globalThis.calls || 0) + 1; if (globalThis.calls > 16) while (true) {} return c === a ? 1 : 0; }',
    );
    const session = await createTrainingSession(rt, config, {}, { rewardSandbox: sandbox });
    const first = await session.step();
    expect(first['rewards/mine/mean']).toBeGreaterThanOrEqual(0);
    const before = await weightsOf(session);
    const t0 = performance.now();
    const error = await session.step().then(
      () => null,
      (e: unknown) => e,
    );
    const elapsed = performance.now() - t0;
    expect(error).toBeInstanceOf(RewardFailure);
    const message = (error as Error).message;
    console.log(`RewardFailure after ${elapsed.toFixed(0)} ms (generation included): ${message}`);
    expect(message).toMatch(/^reward function "mine" did not return within 0\.8 s/);
    expect(message).toMatch(/The step was not applied/);
    expect(elapsed).toBeLessThan(LIMIT_MS + 5000);
    expect(session.stepsDone).toBe(1);
    expect(await weightsOf(session)).toEqual(before);
    // A fresh worker runs the next batch: the session itself still trains.
    await session.step();
    expect(session.stepsDone).toBe(2);
    expect(await weightsOf(session)).not.toEqual(before);

    // The run's weights go on under a config whose code is fixed, through the same sandbox.
    const files = await session.saveCheckpoint();
    session.dispose();
    const fixed = toyConfig('(completion, prompt, answer) => (completion === answer ? 1 : 0)', {
      model: { name: 'run-so-far', overrides: {} },
    });
    const fs = memoryFs(files);
    const resumed = await createTrainingSession(
      rt,
      fixed,
      {},
      {
        rewardSandbox: sandbox,
        openCheckpoint: () => fs,
      },
    );
    try {
      const start = (await readCheckpoint(memoryFs(files))).params;
      const now = await trainerOf(resumed).model.params.download();
      for (const [name, values] of start)
        expect(Array.from(now.get(name) ?? []), name).toEqual(Array.from(values));
      const m = await resumed.step();
      expect(resumed.stepsDone).toBe(1);
      expect(m['rewards/mine/mean']).toBeGreaterThanOrEqual(0);
      expect(m['rewards/mine/mean']).toBeLessThanOrEqual(1);
      expect(Number.isFinite(m.reward)).toBe(true);
    } finally {
      resumed.dispose();
    }
  });

  it('validation: reward_funcs names built-ins or reward_code entries; duplicate and built-in names are refused', () => {
    const errorsOf = (c: Record<string, unknown>) => {
      const r = parseRunConfig(c);
      return r.ok ? [] : r.errors;
    };
    expect(errorsOf({ reward_funcs: ['correct', 'vibes'] })).toEqual([
      'reward_funcs.1: must be one of correct, format, char_match (got "vibes")',
    ]);
    expect(
      errorsOf({ reward_code: [{ name: 'len', source: '() => 1' }], reward_funcs: ['len', 'vibes'] }),
    ).toEqual([
      'reward_funcs.1: must be one of correct, format, char_match or a reward_code name (len) (got "vibes")',
    ]);
    expect(
      errorsOf({
        reward_code: [
          { name: 'correct', source: '() => 1' },
          { name: 'x', source: '() => 1' },
          { name: 'x', source: '() => 2' },
          { name: '9bad', source: '() => 1' },
        ],
      }),
    ).toEqual([
      'reward_code.3.name: must be a letter or _ then letters, digits or _ (40 at most) (got "9bad")',
      'reward_code.0.name: is a built-in reward name (got "correct")',
      'reward_code.2.name: is declared twice (got "x")',
    ]);
    expect(errorsOf({ reward_funcs: ['correct', 'correct'] })).toEqual([
      'reward_funcs.1: is listed twice (got "correct")',
    ]);
    expect(resolveRunConfig({}).reward_code).toEqual([]);
  });
});
