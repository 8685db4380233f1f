/**
 * Health notices: the rule table on hand-made rows (fires at the window's end, once per run, not for
 * algorithms it does not speak for), then each notice raised by a real micro run built to cause it on
 * the GPU: a reward no answer can earn (every group agrees), a length limit shorter than any answer,
 * a near-zero temperature (entropy collapse), a huge learning rate against a KL reference, and a NaN
 * in the reference (the update refused).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import { DEFAULT_PRESET, findPreset } from '../config/presets';
import { type PartialRunConfig, resolveRunConfig } from '../config/resolve';
import { nodeCheckpointFs } from '../model/checkpoint-node';
import { HEALTH_RULES, type HealthKind, HealthMonitor, healthNotices } from './health';
import { createTrainingSession } from './session';
import type { TrainerContext } from './steps';

const PUBLIC = resolve(import.meta.dirname, '../../public');

describe('health rules', () => {
  it('fire when the window mean crosses, once per run, only for the algorithms they speak for', () => {
    const rows = [0.5, 0.95, 0.95, 0.95, 0.95, 0.95, 1, 1].map((v, step) => ({
      step,
      frac_reward_zero_std: v,
    }));
    const notices = healthNotices(rows, 'grpo');
    // windows of 5 ending at step 4: mean 0.86; at step 5: 0.95 -> fires there, and never again
    expect(notices.map((n) => [n.kind, n.step])).toEqual([['no_gradient', 5]]);
    expect(notices[0].value).toBeCloseTo(0.95, 12);
    expect(healthNotices(rows, 'ppo')).toEqual([]); // a value baseline still learns from equal groups
    const monitor = new HealthMonitor('grpo');
    expect(monitor.push({ step: 0, entropy: 0.01 })).toEqual([]); // window not full yet
    expect(monitor.push({ step: 1, update_skipped: 1 }).map((n) => n.kind)).toEqual(['update_refused']);
    expect(monitor.push({ step: 2, update_skipped: 1 })).toEqual([]);
    expect(new Set(HEALTH_RULES.map((r) => r.kind)).size).toBe(HEALTH_RULES.length);
    // a staged run (sft, then grpo): rows are judged by their stage's algorithm
    const staged = new HealthMonitor('sft', ['sft', 'grpo']);
    const fired = rows.flatMap((r) => staged.push({ ...r, stage: r.step < 3 ? 0 : 1 }));
    expect(fired.map((n) => [n.kind, n.step])).toEqual([['no_gradient', 5]]);
    const sftOnly = new HealthMonitor('sft', ['sft', 'grpo']);
    expect(rows.flatMap((r) => sftOnly.push({ ...r, stage: 0 }))).toEqual([]);
  });

  it('docs/METRICS.md lists every rule as it is', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../docs/METRICS.md'), 'utf8');
    for (const r of HEALTH_RULES) {
      const row = `| \`${r.kind}\` | \`${r.metric}\` | ${r.window} | ${r.when === 'above' ? '≥' : '<'} ${r.threshold} | ${r.algorithms.join(', ')} | ${r.title} |`;
      expect(doc, r.kind).toContain(row);
    }
  });
});

function microConfig(over: PartialRunConfig) {
  return resolveRunConfig({
    algorithm: 'grpo',
    seed: 5,
    model: { name: 'smoke', overrides: {} },
    task: { name: 'reversal', length: 2, symbols: '012', held_out_fraction: 0.25 },
    reward_funcs: ['char_match'],
    prompts_per_step: 4,
    num_generations: 4,
    max_completion_length: 3,
    learning_rate: 1e-2,
    beta: 0,
    eval_every: 0,
    max_steps: 20,
    ...over,
  });
}

/** Runs `steps` steps (calling `poke` before each) and returns the kinds of notice the rows raise. */
async function kindsRaised(
  over: PartialRunConfig,
  steps: number,
  poke?: (ctx: TrainerContext, step: number) => Promise<void>,
): Promise<HealthKind[]> {
  const config = microConfig(over);
  const session = await createTrainingSession(
    await testRuntime(),
    config,
    {},
    { openCheckpoint: (name) => nodeCheckpointFs(join(PUBLIC, name)) },
  );
  try {
    const monitor = new HealthMonitor(config.algorithm);
    const kinds: HealthKind[] = [];
    for (let s = 0; s < steps; s++) {
      await poke?.((session as unknown as { ctx: TrainerContext }).ctx, s);
      kinds.push(...monitor.push(await session.step()).map((n) => n.kind));
    }
    return kinds;
  } finally {
    session.dispose();
  }
}

describe('runs built to cause each notice', () => {
  it('the default card raises none in its first 20 steps from its warm start', async () => {
    const card = findPreset(DEFAULT_PRESET).config;
    // seed 0, the lab's: the run a newcomer's Start makes
    expect(await kindsRaised({ ...card, seed: 0, eval_every: 0 }, 20)).toEqual([]);
  }, 300_000);

  it('the addition card, at a quarter of its batch, raises none in 6 steps from its warm start', async () => {
    const card = findPreset('arithmetic').config;
    const kinds = await kindsRaised({ ...card, prompts_per_step: 4, num_generations: 4, eval_every: 0 }, 6);
    expect(kinds).toEqual([]);
  }, 300_000);

  it('no_gradient: an exact-answer reward a random model never earns', async () => {
    expect(await kindsRaised({ reward_funcs: ['correct'] }, 6)).toContain('no_gradient');
  });

  it('truncated: a length limit shorter than every answer', async () => {
    expect(await kindsRaised({ max_completion_length: 1 }, 6)).toContain('truncated');
  });

  it('entropy_collapse: sampling at a near-zero temperature', async () => {
    expect(await kindsRaised({ temperature: 0.01 }, 6)).toContain('entropy_collapse');
  });

  it('kl_blowup: a huge learning rate against a KL reference', async () => {
    expect(await kindsRaised({ beta: 0.04, learning_rate: 0.5, max_grad_norm: 0 }, 8)).toContain('kl_blowup');
  });

  it('update_refused: a NaN in the reference makes the loss NaN', async () => {
    const kinds = await kindsRaised({ beta: 0.04 }, 2, async (ctx, step) => {
      if (step !== 1 || !ctx.ref) return;
      const values = await ctx.ref.download();
      (values.get('transformer.ln_f.weight') as Float32Array)[0] = Number.NaN;
      ctx.ref.write(values);
    });
    expect(kinds).toEqual(['update_refused']);
  });
});
