/**
 * Every algorithm resumes exactly (issue 12): for each algorithm preset at the smoke model's size, a
 * run stopped after 3 of 6 steps and resumed from its checkpoint folder must log what the straight run
 * logs, step for step, write the same samples, and end with the same weights and trainer state (PPO's
 * value head and its moments, REINFORCE's baseline, the reference, the optimizer's moments and steps).
 * It goes through `runTraining`, what `tabrl train` and `--resume` call, in this process (one runtime,
 * no child processes); the interrupted run pins the kernel variants the straight run dispatched (its
 * checkpoint's, which include shapes first met after the warm-up), since variants round differently.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPreset } from '../engine/config/presets.js';
import { type PartialRunConfig, resolveRunConfig } from '../engine/config/resolve.js';
import type { Algorithm } from '../engine/config/schema.js';
import { parseSafetensors } from '../engine/model/safetensors.js';
import { testRuntime } from '../kernels/testing/gpu.js';
import { runTraining } from './lib/training.js';

type Row = Record<string, number>;

/** Fields that measure the machine (or the GPU work it queued), not the training. */
const isMachine = (key: string) =>
  ['step_time', 'tokens_per_second', 'gflops_per_second', 'dispatches', 'submits'].includes(key) ||
  /^(timing|dispatches|submits)\//.test(key);

async function lines(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim());
}

/** The preset's algorithm settings on the smoke model and a toy reversal task, 6 steps. */
function microConfig(preset: Algorithm, over: PartialRunConfig) {
  return resolveRunConfig({
    ...findPreset(preset).config,
    seed: 3,
    model: { name: 'smoke', overrides: {} },
    task: { name: 'reversal', length: 2, symbols: '012', held_out_fraction: 0.25 },
    reward_funcs: ['char_match'],
    prompts_per_step: 4,
    num_generations: 4,
    max_completion_length: 3,
    learning_rate: 1e-2,
    warmup_steps: 2,
    lr_scheduler: 'linear',
    max_steps: 6,
    eval_every: 2,
    eval_prompts: 2,
    eval_samples: 2,
    eval_k: 2,
    ...over,
  });
}

/**
 * Departures that make each case reach the state it must carry over the interruption at step 3: grpo
 * warms up with 2 SFT steps and keeps its reference (beta 0.04); ppo keeps its KL-in-reward reference
 * and 2 passes (its value head trains from step 0); rft samples at most 8 per prompt (the preset's 32
 * at random weights would take minutes); sft is plain.
 */
const CASES: [Algorithm, PartialRunConfig][] = [
  ['grpo', { sft_steps: 2 }],
  ['dr_grpo', {}],
  ['dapo', {}],
  ['rloo', {}],
  ['reinforce', {}],
  ['ppo', {}],
  ['rft', { max_samples_per_prompt: 8 }],
  ['sft', {}],
];

let dir = '';

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('an interrupted and resumed run equals the straight run', () => {
  for (const [algorithm, over] of CASES) {
    it(`${algorithm}: metrics, samples, weights and trainer state`, async () => {
      const rt = await testRuntime();
      dir ||= await mkdtemp(join(tmpdir(), 'tabrl-resume-'));
      const config = microConfig(algorithm, over);
      const straight = join(dir, `${algorithm}-straight`);
      const resumed = join(dir, `${algorithm}-resumed`);
      const t0 = performance.now();
      await runTraining({ rt, outDir: straight, config });
      // pin the kernel variants the straight run dispatched, as its checkpoint recorded them
      const stateJson = await readFile(join(straight, 'checkpoint', 'trainer_state.json'), 'utf8');
      const pinned = { ...config, kernel_variants: JSON.parse(stateJson).kernel_variants };
      const first = await runTraining({ rt, outDir: resumed, config: pinned, stopAfter: 3 });
      expect(first.steps).toBe(3);
      const rest = await runTraining({ rt, outDir: resumed, resume: true });
      expect(rest.metrics.map((m) => m.step)).toEqual([3, 4, 5]);
      console.log(
        `${algorithm}: straight, 3 + resumed 3 in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );

      const rows = async (d: string) =>
        (await lines(join(d, 'metrics.jsonl'))).map((l) => JSON.parse(l) as Row);
      const want = await rows(straight);
      const got = await rows(resumed);
      expect(got.map((r) => r.step)).toEqual([0, 1, 2, 3, 4, 5]);
      const mismatches: string[] = [];
      want.forEach((w, i) => {
        for (const key of new Set([...Object.keys(w), ...Object.keys(got[i])])) {
          if (!isMachine(key) && !Object.is(w[key], got[i][key]))
            mismatches.push(`step ${i} ${key}: straight ${w[key]}, resumed ${got[i][key]}`);
        }
      });
      if (mismatches.length) console.log(`first mismatches:\n  ${mismatches.slice(0, 8).join('\n  ')}`);
      expect(mismatches).toEqual([]);

      const samples = await lines(join(straight, 'samples.jsonl'));
      expect(samples.length).toBe(algorithm === 'sft' ? 0 : 6 - config.sft_steps);
      expect(await lines(join(resumed, 'samples.jsonl'))).toEqual(samples);

      const file = (d: string, name: string) => readFile(join(d, 'checkpoint', name));
      expect(
        Buffer.compare(await file(resumed, 'model.safetensors'), await file(straight, 'model.safetensors')),
      ).toBe(0);
      // every trainer-state tensor (moments, reference, value head) equal, named the same
      const state = async (d: string) => parseSafetensors(await file(d, 'trainer_state.safetensors'));
      const [a, b] = [await state(straight), await state(resumed)];
      expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
      const differing = [...a.tensors.keys()].filter(
        (n) => Buffer.compare(Buffer.from(a.raw(n)), Buffer.from(b.raw(n))) !== 0,
      );
      expect(differing).toEqual([]);
      const json = async (d: string) => {
        const {
          run_config: _c,
          kernel_variants: _k,
          ...rest
        } = JSON.parse((await file(d, 'trainer_state.json')).toString('utf8'));
        return rest;
      };
      expect(await json(resumed)).toEqual(await json(straight));
    });
  }
});
