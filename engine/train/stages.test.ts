/**
 * Stages and eval_tasks in a real session (docs/ALGORITHMS.md "Stages"), on the smoke model at micro
 * scale: an SFT stage on reversal then a GRPO stage on addition, with reversal kept as an eval task.
 * Rows carry `stage`; evaluations run before step 0 and at each stage's last step; eval_tasks keys
 * equal the plain ones while the stage trains the same task; the new stage starts with fresh AdamW
 * moments and counts its LR schedule from its first step; PPO's value head is kept (with a fresh
 * optimizer) into a gae stage and dropped before a grpo one; a run resumed mid-stage-2 continues
 * exactly as the uninterrupted one; under LoRA a later stage's θ_ref keeps a frozen copy of the adapters.
 */
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import { type PartialRunConfig, resolveRunConfig } from '../config/resolve';
import { type CheckpointFs, memoryFs, readCheckpoint } from '../model/checkpoint';
import { isListedMetric } from './metric-names';
import { createTrainingSession, type TrainingSession } from './session';
import type { StepMetrics } from './session-types';

const REVERSAL = { name: 'reversal' as const, length: 2, symbols: '012', tag: null, held_out_fraction: 0.25 };

function stagedConfig(over: PartialRunConfig = {}) {
  return resolveRunConfig({
    algorithm: 'sft',
    seed: 3,
    model: { name: 'smoke', overrides: {} },
    task: REVERSAL,
    reward_funcs: ['char_match'],
    prompts_per_step: 2,
    num_generations: 2,
    max_completion_length: 3,
    learning_rate: 1e-2,
    lr_scheduler: 'linear',
    eval_every: 0,
    eval_prompts: 2,
    eval_samples: 2,
    eval_k: 2,
    eval_tasks: [{ label: 'rev', task: REVERSAL }],
    stages: [
      { name: 'learn_rev', steps: 2 },
      {
        name: 'rl_add',
        steps: 2,
        algorithm: 'grpo',
        task: { name: 'addition', digits: 1 },
        learning_rate: 2e-2,
      },
    ],
    ...over,
  });
}

const DROP = /^(step_time|tokens_per_second|gflops_per_second|timing\/)/;
const stable = (m: StepMetrics) => Object.fromEntries(Object.entries(m).filter(([k]) => !DROP.test(k)));

async function stateOf(files: Map<string, Uint8Array>) {
  const state = (await readCheckpoint(memoryFs(new Map(files)))).trainerState;
  if (!state) throw new Error('no trainer state');
  return { json: state.json as Record<string, unknown>, tensors: state.tensors };
}

async function withSession<T>(
  config: ReturnType<typeof stagedConfig>,
  body: (s: TrainingSession) => Promise<T>,
  resume?: CheckpointFs,
): Promise<T> {
  const session = await createTrainingSession(await testRuntime(), config, {}, resume ? { resume } : {});
  try {
    return await body(session);
  } finally {
    session.dispose();
  }
}

describe('stages in a session', () => {
  it('sft on reversal then grpo on addition: stage column, evals at stage ends, resets, eval_tasks, resume mid-stage-2', async () => {
    const config = stagedConfig();
    expect(config.max_steps).toBe(4);
    const { rows, atBoundary, midStage, weights } = await withSession(config, async (s) => {
      const rows: StepMetrics[] = [await s.step(), await s.step()];
      expect(s.task.name).toBe('addition');
      const atBoundary = await s.saveCheckpoint();
      rows.push(await s.step());
      const midStage = await s.saveCheckpoint();
      rows.push(await s.step());
      return { rows, atBoundary, midStage, weights: await s.policyWeights() };
    });
    expect(rows.map((r) => r.stage)).toEqual([0, 0, 1, 1]);
    // every key is in the registry (engine/train/metric-names.ts), stage and eval/<label>/* included
    expect(rows.flatMap((r) => Object.keys(r)).filter((k) => !isListedMetric(k))).toEqual([]);
    // an evaluation before step 0 (in its row) and at each stage's last step, none between (eval_every 0)
    expect(rows.map((r) => r['eval/pass@1'] !== undefined)).toEqual([true, true, false, true]);
    for (const r of [rows[0], rows[1], rows[3]])
      for (const k of ['pass@1', 'pass@2', 'pass@k', 'greedy', 'reward'])
        expect(r[`eval/rev/${k}`], `eval/rev/${k} at step ${r.step}`).toBeTypeOf('number');
    // while the stage trains reversal, the eval task (same options) is the plain evaluation
    expect(rows[1]['eval/rev/reward']).toBe(rows[1]['eval/reward']);
    expect(rows[1]['eval/rev/pass@1']).toBe(rows[1]['eval/pass@1']);
    // stage 1 is grpo: it samples, and its linear schedule counts from its own first step
    expect(rows[1].reward).toBeUndefined();
    expect(rows[2].reward).toBeTypeOf('number');
    expect(rows[0].learning_rate).toBeCloseTo(1e-2, 12);
    expect(rows[1].learning_rate).toBeCloseTo(0.5e-2, 12);
    expect(rows[2].learning_rate).toBeCloseTo(2e-2, 12);
    expect(rows[3].learning_rate).toBeCloseTo(1e-2, 12);
    // saved after stage 0's last step: stage 1 has begun, with fresh AdamW moments and count
    const { json, tensors } = await stateOf(atBoundary);
    expect(json.stage).toBe(1);
    expect(json.optimizer_steps).toBe(0);
    const moments = [...tensors].filter(([k]) => k.startsWith('exp_avg'));
    expect(moments.length).toBeGreaterThan(0);
    expect(moments.every(([, t]) => Array.from(t.data).every((v) => v === 0))).toBe(true);
    // config.json holds each stage resolved: grpo's defaults and the stage's own options
    const stages = config.stages ?? [];
    expect(stages[1]).toMatchObject({
      algorithm: 'grpo',
      loss_type: 'grpo',
      beta: 0.04,
      learning_rate: 2e-2,
    });
    expect(stages[0]).toMatchObject({ algorithm: 'sft', loss_type: 'sft', learning_rate: 1e-2 });

    // resumed mid-stage-2 (after step 2), the run continues exactly as the uninterrupted one
    expect((await stateOf(midStage)).json.stage).toBe(1);
    await withSession(
      config,
      async (s) => {
        expect(s.stepsDone).toBe(3);
        expect(s.stageIndex).toBe(1);
        expect(s.task.name).toBe('addition');
        const next = await s.step();
        expect(stable(next)).toEqual(stable(rows[3]));
        const resumed = await s.policyWeights();
        for (const [name, w] of weights) expect(resumed.get(name), name).toEqual(w);
      },
      memoryFs(midStage),
    );
  });

  it("REINFORCE's baseline resets; PPO's value head is kept with a fresh optimizer into a gae stage, dropped before a grpo one", async () => {
    const config = stagedConfig({
      algorithm: 'ppo',
      task: REVERSAL,
      eval_tasks: [],
      stages: [
        { name: 'rf', steps: 1, algorithm: 'reinforce' },
        { name: 'ppo_a', steps: 1, algorithm: 'ppo' },
        { name: 'ppo_b', steps: 1, learning_rate: 5e-3 },
        { name: 'grpo_c', steps: 1, algorithm: 'grpo' },
      ],
    });
    await withSession(config, async (s) => {
      await s.step();
      // the reinforce step set a baseline; the next stage starts without one
      expect((await stateOf(await s.saveCheckpoint())).json.reinforce_baseline).toBeNull();
      await s.step();
      const afterA = await stateOf(await s.saveCheckpoint());
      expect(afterA.json.value_head_optimizer_steps).toBe(0);
      expect(afterA.json.optimizer_steps).toBe(0);
      expect(afterA.tensors.has('value_head.weight')).toBe(true);
      // θ_ref is taken again at stage b's first step: the policy as stage a left it
      const policy = await s.policyWeights();
      const refs = [...afterA.tensors].filter(([k]) => k.startsWith('ref.'));
      expect(refs.length).toBeGreaterThan(0);
      for (const [k, t] of refs) expect(t.data).toEqual(policy.get(k.slice(4)));
      await s.step();
      const afterB = await stateOf(await s.saveCheckpoint());
      expect([...afterB.tensors.keys()].filter((k) => k.includes('value_head'))).toEqual([]);
      expect(afterB.json.value_head_optimizer_steps).toBeUndefined();
      const last = await s.step();
      expect(last.value_loss).toBeUndefined();
      expect(last.stage).toBe(3);
    });
  });

  it('LoRA: θ_ref after a stage and an SFT warm-up is the base plus a frozen copy of the adapters, kept on resume', async () => {
    const config = stagedConfig({
      algorithm: 'grpo',
      task: REVERSAL,
      eval_tasks: [],
      lora: { rank: 2, alpha: 4, target_modules: ['q', 'v'] },
      learning_rate: 5e-2,
      stages: [
        { name: 'a', steps: 1, algorithm: 'sft' },
        { name: 'b', steps: 2, algorithm: 'grpo', beta: 0.04, sft_steps: 1 },
      ],
    });
    const { rows, saved, adapters } = await withSession(config, async (s) => {
      const rows = [await s.step(), await s.step()];
      const saved = await s.saveCheckpoint();
      const adapters = (await s.adapterWeights()) ?? new Map();
      rows.push(await s.step());
      return { rows, saved, adapters };
    });
    // two SFT updates moved the adapters off B = 0, so the base alone is not the policy RL starts from
    const bMax = Math.max(
      ...[...adapters].filter(([k]) => k.includes('lora_B')).flatMap(([, v]) => [...v].map(Math.abs)),
    );
    expect(bMax).toBeGreaterThan(1e-2);
    // stage b's first RL step (after its SFT warm-up) samples from the policy it takes as reference: KL 0
    expect(rows[1].kl).toBeUndefined();
    expect(rows[2].kl).toBeCloseTo(0, 6);
    const { json, tensors } = await stateOf(saved);
    expect(json.has_reference).toBe(true);
    expect([...tensors.keys()].some((k) => k.startsWith('ref_lora.'))).toBe(true);
    await withSession(
      config,
      async (s) => {
        expect(stable(await s.step())).toEqual(stable(rows[2]));
      },
      memoryFs(saved),
    );
  });
});
