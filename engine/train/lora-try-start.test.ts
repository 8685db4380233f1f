/**
 * The lab's Try panel asks a session for the starting policy's answers. Under LoRA the starting policy
 * is the frozen base the run holds (f16, adapters B = 0), so `generate(..., 'start')` reads that base
 * through a view, as the KL reference does: no second, float32 copy of the weights is uploaded (one
 * that the memory estimate does not count), and at step 0 start and current answer alike.
 */
import { describe, expect, it, vi } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import { resolveRunConfig } from '../config/resolve';
import { paramSpecs } from '../model/param-names';
import { createTrainingSession } from './session';

describe("Try's starting policy under LoRA", () => {
  it('is the held f16 base: no weight upload, and the same answers as the current policy at step 0', async () => {
    const rt = await testRuntime();
    const config = resolveRunConfig({
      algorithm: 'grpo',
      seed: 3,
      model: { name: 'smoke', overrides: {} },
      task: { name: 'reversal', length: 2, symbols: '012', held_out_fraction: 0.25 },
      reward_funcs: ['char_match'],
      prompts_per_step: 4,
      num_generations: 4,
      max_completion_length: 3,
      eval_every: 0,
      lora: { rank: 4, alpha: 8, target_modules: ['q', 'k', 'v', 'o'] },
    });
    const session = await createTrainingSession(rt, config, {});
    try {
      const names = new Set(paramSpecs(session.modelConfig).map((s) => s.name));
      const upload = vi.spyOn(rt, 'upload');
      const prompts = ['{01}=', '{12}=', '{20}=', '{11}='];
      const start = await session.generate(prompts, 'start', 8);
      const weightUploads = upload.mock.calls.map((c) => c[2]).filter((label) => names.has(label));
      upload.mockRestore();
      expect(weightUploads).toEqual([]);
      expect(start).toEqual(await session.generate(prompts, 'current', 8));
    } finally {
      session.dispose();
    }
  });
});
