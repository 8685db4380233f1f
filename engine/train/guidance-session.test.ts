/**
 * guidance_weight and the Try panel's α in a session (docs/ALGORITHMS.md "Guidance at inference",
 * "Weight interpolation"): training is untouched by guidance; θ_ref (the policy when RL started, here
 * the start) is what w = 0 and α = 0 sample, exactly; it survives save and resume, so a resumed run's
 * guided evaluation equals the uninterrupted one's.
 */
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import type { PartialRunConfig } from '../config/resolve';
import { memoryFs } from '../model/checkpoint';
import { createTrainingSession } from './session';
import type { StepMetrics } from './session-types';
import { toyConfig } from './toy-run.testing';

const SMALL: PartialRunConfig = {
  prompts_per_step: 4,
  num_generations: 4,
  beta: 0,
  max_steps: 4,
  eval_prompts: 4,
  eval_samples: 4,
  eval_k: 2,
};
const PROMPTS = ['{012}=', '{201}=', '{110}=', '{022}='];

/** A step's metrics without wall-clock timings. */
function untimed(m: StepMetrics): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter(([k]) => !/^timing\/|step_time|per_second/.test(k)));
}

describe('guidance_weight in a training session', () => {
  it('leaves training alone; w = 0 and α = 0 answer as θ_ref; resume keeps θ_ref', async () => {
    const rt = await testRuntime();
    const guided = toyConfig('grpo', { ...SMALL, guidance_weight: 0.5 });
    const plain = await createTrainingSession(rt, toyConfig('grpo', SMALL));
    const first = await createTrainingSession(rt, guided);
    try {
      expect(untimed(await first.step())).toEqual(untimed(await plain.step()));
      const start = await first.generate(PROMPTS, 'start', 4);
      const current = await first.generate(PROMPTS, 'current', 4);
      expect(current).not.toEqual(start);
      expect(await first.generate(PROMPTS, 'current', 4, { guidance: 0 })).toEqual(start);
      expect(await first.generate(PROMPTS, 'current', 4, { alpha: 0 })).toEqual(start);
      expect(await first.generate(PROMPTS, 'current', 4, { guidance: 1, alpha: 1 })).toEqual(current);
      // guidance changes evaluation only: the same held-out prompts, other samples
      expect(await first.evaluate()).not.toEqual(await plain.evaluate());

      const saved = await first.saveCheckpoint();
      const second = await createTrainingSession(rt, guided, {}, { resume: memoryFs(saved) });
      try {
        expect(untimed(await second.step())).toEqual(untimed(await first.step()));
        expect(await second.evaluate()).toEqual(await first.evaluate());
        const startNow = await second.generate(PROMPTS, 'start', 4);
        expect(await second.generate(PROMPTS, 'current', 4, { guidance: 0 })).toEqual(startNow);
      } finally {
        second.dispose();
      }
    } finally {
      first.dispose();
      plain.dispose();
    }
  });

  it('under LoRA, α = 0 (adapters scaled to nothing) and w = 0 answer as the base', async () => {
    const rt = await testRuntime();
    const config = toyConfig('grpo', {
      ...SMALL,
      learning_rate: 5e-2,
      lora: { rank: 4, alpha: 8, target_modules: ['q', 'k', 'v', 'o'] },
    });
    const session = await createTrainingSession(rt, config);
    try {
      await session.step();
      const start = await session.generate(PROMPTS, 'start', 4);
      expect(await session.generate(PROMPTS, 'current', 4)).not.toEqual(start);
      expect(await session.generate(PROMPTS, 'current', 4, { alpha: 0 })).toEqual(start);
      expect(await session.generate(PROMPTS, 'current', 4, { guidance: 0 })).toEqual(start);
      await expect(session.generate(PROMPTS, 'current', 1, { alpha: 2 })).rejects.toThrow(/alpha must be in/);
    } finally {
      session.dispose();
    }
  });
});
