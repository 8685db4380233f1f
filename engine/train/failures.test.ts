/**
 * What a run does when something breaks mid-step, on the GPU: a reward function that throws or returns
 * NaN makes `step()` reject with a RewardFailure that names the function and the prompt, and nothing
 * else is lost (weights, optimizer moments and step count unchanged; the retried step works). NaN in
 * the weights makes the loss non-finite: the update is refused before it touches anything, a warning
 * says so and the metrics row carries `update_skipped`. (A reward that never returns is the reward
 * sandbox's business, tested there.)
 */
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import { type PartialRunConfig, resolveRunConfig } from '../config/resolve';
import type { RewardInput } from '../rewards/builtin';
import { RewardFailure } from './rollout';
import { createTrainingSession, type TrainingSession } from './session';
import type { TrainerContext } from './steps';

function toyConfig(over: PartialRunConfig = {}) {
  return resolveRunConfig({
    algorithm: 'grpo',
    seed: 3,
    model: { name: 'smoke', overrides: {} },
    task: { name: 'reversal', length: 2, symbols: '012', held_out_fraction: 0.25 },
    reward_funcs: ['char_match'],
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

/** The session's trainer state; tests reach in to swap a reward function or poison a weight. */
function trainerOf(session: TrainingSession): TrainerContext {
  return (session as unknown as { ctx: TrainerContext }).ctx;
}

/** A weight every forward pass reads: a NaN here reaches every logit. */
const POISONED = 'transformer.ln_f.weight';

type Snapshot = Map<string, Float32Array>;

async function snapshot(session: TrainingSession): Promise<{ params: Snapshot; m: Snapshot; v: Snapshot }> {
  const ctx = trainerOf(session);
  return {
    params: await ctx.model.params.download(),
    m: await ctx.optimizer.m.download(),
    v: await ctx.optimizer.v.download(),
  };
}

/** Names of tensors whose bits differ (NaN equals NaN here), each with its first differing index. */
function differing(a: Snapshot, b: Snapshot, skip = ''): string[] {
  const out: string[] = [];
  for (const [name, x] of a) {
    if (name === skip) continue;
    const y = b.get(name) as Float32Array;
    const ux = new Uint32Array(x.buffer, x.byteOffset, x.length);
    const uy = new Uint32Array(y.buffer, y.byteOffset, y.length);
    const i = ux.findIndex((bits, k) => bits !== uy[k]);
    if (i >= 0) out.push(`${name}[${i}]: ${x[i]} -> ${y[i]}`);
  }
  return out;
}

async function withSession(
  config: ReturnType<typeof toyConfig>,
  body: (session: TrainingSession, warnings: string[]) => Promise<void>,
) {
  const rt = await testRuntime();
  const warnings: string[] = [];
  const session = await createTrainingSession(rt, config, { onWarning: (m) => warnings.push(m) });
  try {
    await body(session, warnings);
  } finally {
    session.dispose();
  }
}

describe('reward functions that fail are isolated', () => {
  for (const failure of ['throws', 'returns NaN'] as const) {
    it(`a reward function that ${failure} on the 6th sample: step rejects naming it, nothing changes, the retry works`, async () => {
      await withSession(toyConfig(), async (session) => {
        await session.step(); // one good step, so the optimizer moments are non-zero
        const ctx = trainerOf(session);
        const good = ctx.rolloutCtx.rewards;
        let calls = 0;
        const flaky = (input: RewardInput): number => {
          calls++;
          if (calls === 6) {
            if (failure === 'throws') throw new Error('verifier crashed');
            return Number.NaN;
          }
          return good[0].fn(input);
        };
        ctx.rolloutCtx.rewards = [{ name: 'flaky_reward', weight: 1, fn: flaky }];
        const before = await snapshot(session);
        const optimizerSteps = ctx.optimizer.steps;
        const tokens = ctx.numTokens;

        const error = await session.step().then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(RewardFailure);
        const message = (error as RewardFailure).message;
        console.log(`RewardFailure: ${message}`);
        expect(message).toContain('"flaky_reward"');
        expect(message).toMatch(failure === 'throws' ? /threw: verifier crashed/ : /returned NaN/);
        expect(message).toMatch(/on prompt "\{[012]{2}\}="/);
        expect((error as RewardFailure).errors).toEqual([
          expect.objectContaining({ fn: 'flaky_reward', sample: 5 }),
        ]);

        const after = await snapshot(session);
        expect(differing(before.params, after.params), 'weights').toEqual([]);
        expect(differing(before.m, after.m), 'exp_avg').toEqual([]);
        expect(differing(before.v, after.v), 'exp_avg_sq').toEqual([]);
        expect(ctx.optimizer.steps).toBe(optimizerSteps);
        expect(ctx.numTokens).toBe(tokens);
        expect(session.stepsDone).toBe(1);

        // the same step again, with the function fixed: it runs and trains
        ctx.rolloutCtx.rewards = good;
        const m = await session.step();
        expect(m.step).toBe(1);
        expect(m.update_skipped).toBeUndefined();
        expect(session.stepsDone).toBe(2);
        const trained = await snapshot(session);
        expect(differing(after.params, trained.params).length).toBeGreaterThan(0);
      });
    });
  }
});

describe('NaN guard', () => {
  it('a NaN in the reference makes the loss NaN: the update is refused with a warning and update_skipped, nothing changes', async () => {
    await withSession(toyConfig({ beta: 0.04 }), async (session, warnings) => {
      await session.step();
      const ctx = trainerOf(session);
      const ref = ctx.ref;
      if (!ref) throw new Error('beta 0.04 should have taken a reference');
      const values = await ref.download();
      (values.get(POISONED) as Float32Array)[0] = Number.NaN;
      ref.write(values);
      const before = await snapshot(session);
      const optimizerSteps = ctx.optimizer.steps;

      const m = await session.step();
      console.log(`warning: ${warnings.join(' | ')}`);
      expect(m.update_skipped).toBe(1);
      expect(m.loss).toBeNaN();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/step 1: the loss or its gradient is not finite .*weights are unchanged/);
      const after = await snapshot(session);
      expect(differing(before.params, after.params), 'weights').toEqual([]);
      expect(differing(before.m, after.m), 'exp_avg').toEqual([]);
      expect(differing(before.v, after.v), 'exp_avg_sq').toEqual([]);
      expect(ctx.optimizer.steps).toBe(optimizerSteps);
      expect(session.stepsDone).toBe(2);
    });
  });

  it('a NaN in the policy: sampling finds no valid token and the step rejects saying why, nothing changes', async () => {
    await withSession(toyConfig(), async (session) => {
      await session.step();
      const ctx = trainerOf(session);
      const values = await ctx.model.params.download();
      (values.get(POISONED) as Float32Array)[0] = Number.NaN;
      ctx.model.params.write(values);
      const before = await snapshot(session);

      await expect(session.step()).rejects.toThrow(/logits are not finite \(NaN or Inf in the weights\)/);
      const after = await snapshot(session);
      expect(differing(before.params, after.params), 'weights').toEqual([]);
      expect(differing(before.m, after.m), 'exp_avg').toEqual([]);
      expect(session.stepsDone).toBe(1);
    });
  });

  it('an Inf weight during SFT warm-up: the SFT update is refused the same way', async () => {
    await withSession(toyConfig({ sft_steps: 3 }), async (session, warnings) => {
      await session.step();
      const ctx = trainerOf(session);
      const values = await ctx.model.params.download();
      (values.get('transformer.wpe.weight') as Float32Array)[1] = Number.POSITIVE_INFINITY;
      ctx.model.params.write(values);
      const before = await snapshot(session);

      const m = await session.step();
      expect(m.update_skipped).toBe(1);
      expect(warnings.join('\n')).toMatch(/step 1: non-finite SFT gradient .*weights unchanged/);
      const after = await snapshot(session);
      expect(differing(before.params, after.params), 'weights').toEqual([]);
      expect(differing(before.m, after.m), 'exp_avg').toEqual([]);
    });
  });
});
