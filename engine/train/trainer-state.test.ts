/**
 * The trainer state round-trips (issue 13): for every algorithm, and a LoRA run, a session trained two
 * steps is saved, a new session resumes from those files and saves again, and every file of the second
 * checkpoint is byte-identical to the first's. Each case also checks that what its algorithm carries
 * is in the state (so an empty or partial save cannot pass): PPO's value head with its moments and
 * steps, REINFORCE's baseline, grpo's reference after its SFT warm-up, asft's anchor (the starting policy) in an SFT run, LoRA's adapters,
 * freeze's choice (the one its documented stream draws) and the self targets' cache with its reference.
 */
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import { type PartialRunConfig, resolveRunConfig } from '../config/resolve';
import type { Algorithm } from '../config/schema';
import { memoryFs } from '../model/checkpoint';
import { modelPreset } from '../model/config';
import { parseSafetensors } from '../model/safetensors';
import { createRng } from '../rl/random';
import { chooseFrozen, freezeBlocks, freezeStream } from './freeze';
import { createTrainingSession } from './session';

function microConfig(algorithm: Algorithm, over: PartialRunConfig) {
  return resolveRunConfig({
    algorithm,
    seed: 5,
    model: { name: 'smoke', overrides: {} },
    task: { name: 'reversal', length: 2, symbols: '012', held_out_fraction: 0.25 },
    reward_funcs: ['char_match'],
    prompts_per_step: 2,
    num_generations: 4,
    max_completion_length: 3,
    learning_rate: 1e-2,
    max_steps: 4,
    eval_every: 0,
    max_samples_per_prompt: 8,
    ...over,
  });
}

/** What the state of each case must hold beyond the policy's moments: tensor name prefixes and JSON. */
interface Expect {
  tensors?: string[];
  json?: Record<string, unknown>;
}

const CASES: [string, Algorithm, PartialRunConfig, Expect][] = [
  ['grpo', 'grpo', { sft_steps: 1 }, { tensors: ['ref.'], json: { has_reference: true } }],
  ['dr_grpo', 'dr_grpo', {}, { json: { has_reference: false } }],
  ['dapo', 'dapo', {}, {}],
  ['rloo', 'rloo', {}, {}],
  ['reinforce', 'reinforce', {}, {}],
  [
    'ppo',
    'ppo',
    {},
    {
      tensors: ['ref.', 'value_head.weight', 'value_head.bias', 'exp_avg.value_head.weight'],
      json: { value_head_optimizer_steps: 2 },
    },
  ],
  ['rft', 'rft', {}, {}],
  ['sft', 'sft', {}, { json: { optimizer_steps: 2 } }],
  ['sft with asft', 'sft', { sft_loss: 'asft' }, { tensors: ['ref.'], json: { has_reference: true } }],
  [
    'sft with freeze',
    'sft',
    { freeze: { fraction: 0.5 } },
    // the choice the documented stream gives (seed 5, stage 0), restored rather than redrawn
    {
      json: {
        freeze: {
          stage: 0,
          units: chooseFrozen(
            freezeBlocks(modelPreset('smoke'), null),
            0.5,
            freezeStream(createRng(5), 0),
            1,
            0,
          ).units,
        },
      },
    },
  ],
  [
    'sft with self targets',
    'sft',
    { sft_targets: 'self_when_correct' },
    { tensors: ['ref.'], json: { has_reference: true } },
  ],
  [
    'grpo with LoRA',
    'grpo',
    { lora: { rank: 2, alpha: 4, target_modules: ['q', 'v'] } },
    { tensors: ['lora.'], json: { has_reference: true } },
  ],
];

describe('trainer state: save, resume, save gives the same bytes', () => {
  for (const [name, algorithm, over, want] of CASES) {
    it(name, async () => {
      const rt = await testRuntime();
      const config = microConfig(algorithm, over);
      const first = await createTrainingSession(rt, config);
      let saved: Map<string, Uint8Array>;
      try {
        await first.step();
        await first.step();
        saved = await first.saveCheckpoint();
      } finally {
        first.dispose();
      }
      const second = await createTrainingSession(rt, config, {}, { resume: memoryFs(new Map(saved)) });
      let again: Map<string, Uint8Array>;
      try {
        expect(second.stepsDone).toBe(2);
        again = await second.saveCheckpoint();
      } finally {
        second.dispose();
      }

      const json = JSON.parse(new TextDecoder().decode(saved.get('trainer_state.json')));
      const names = [
        ...parseSafetensors(saved.get('trainer_state.safetensors') as Uint8Array).tensors.keys(),
      ];
      expect(json.global_step).toBe(2);
      expect(names.some((n) => n.startsWith('exp_avg.transformer.') || n.startsWith('exp_avg.lora'))).toBe(
        true,
      );
      for (const prefix of want.tensors ?? [])
        expect(
          names.some((n) => n.startsWith(prefix)),
          prefix,
        ).toBe(true);
      for (const [key, value] of Object.entries(want.json ?? {})) expect(json[key], key).toEqual(value);
      if (algorithm === 'reinforce') expect(typeof json.reinforce_baseline).toBe('number');
      if (over.sft_targets) expect(json.self_targets.length).toBeGreaterThan(0);
      if (algorithm !== 'ppo') expect(names.filter((n) => n.includes('value_head'))).toEqual([]);

      expect([...again.keys()].sort()).toEqual([...saved.keys()].sort());
      const differing = [...saved].filter(([file, bytes]) => {
        const other = again.get(file) as Uint8Array;
        return Buffer.compare(Buffer.from(bytes), Buffer.from(other)) !== 0;
      });
      expect(differing.map(([file]) => file)).toEqual([]);
    });
  }
});
