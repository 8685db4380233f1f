/**
 * `sft_targets: self_when_correct` through the trainer on the GPU (docs/ALGORITHMS.md "Self-generated
 * targets"): θ_ref is a checkpoint SFT-trained 12 steps on the toy, so its greedy answers are right on
 * some prompts (4 of step 0's 64 rows when this was written) and wrong on others. Every cached answer the run accepted is one the task's verifier
 * accepts (decoded here from the saved trainer state), every one it refused is wrong or unfinished, the
 * step's `sft/self_fraction` is the share of its drawn prompts with an accepted answer, and a run
 * resumed from the saved state (the cache read back) takes the same next step as an uninterrupted one.
 * From random weights nothing is accepted and the update equals the gold one.
 */
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import type { PartialRunConfig } from '../config/resolve';
import { memoryFs } from '../model/checkpoint';
import { createRng } from '../rl/random';
import { drawTrainingBatch } from '../tasks/split';
import { createTrainingSession } from './session';
import type { StepMetrics } from './session-types';
import { toyConfig } from './toy-run.testing';

const SELF: PartialRunConfig = { sft_targets: 'self_when_correct' };

async function run(over: PartialRunConfig, steps: number, files?: Map<string, Uint8Array>) {
  const rt = await testRuntime();
  const config = toyConfig('sft', { max_steps: steps, ...over });
  const session = await createTrainingSession(
    rt,
    config,
    {},
    files ? { openCheckpoint: () => memoryFs(new Map(files)) } : {},
  );
  try {
    const rows: StepMetrics[] = [];
    while (session.stepsDone < steps) rows.push(await session.step());
    return { rows, files: await session.saveCheckpoint(), session };
  } finally {
    session.dispose();
  }
}

describe('sft_targets self_when_correct', () => {
  it('from random weights no greedy answer is right: the update is the gold one', async () => {
    const gold = await run({ prompts_per_step: 2, num_generations: 4 }, 1);
    const self = await run({ ...SELF, prompts_per_step: 2, num_generations: 4 }, 1);
    expect(self.rows[0]['sft/self_fraction']).toBe(0);
    expect(gold.rows[0]['sft/self_fraction']).toBeUndefined();
    expect(self.rows[0].loss).toBe(gold.rows[0].loss);
    expect(self.rows[0].grad_norm).toBe(gold.rows[0].grad_norm);
  });

  it("a trained reference's correct greedy answers become targets, its wrong ones do not", async () => {
    const warm = await run({ max_steps: 12, learning_rate: 5e-2 }, 12);
    const model = { name: 'warm', overrides: {} };
    const straight = await run({ ...SELF, model, max_steps: 2 }, 2, warm.files);
    const first = straight.rows[0]['sft/self_fraction'] as number;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(1);
    const json = JSON.parse(new TextDecoder().decode(straight.files.get('trainer_state.json')));
    const cache = new Map<string, [number[], boolean]>(
      (json.self_targets as [string, number[], boolean][]).map(([p, ids, ok]) => [p, [ids, ok]]),
    );
    // reversal over '012': '{201}=' is answered '102' then EOS (id 1 of the char tokenizer)
    const config = toyConfig('sft', { ...SELF, model, max_steps: 2 });
    const rt = await testRuntime();
    const probe = await createTrainingSession(
      rt,
      config,
      {},
      { openCheckpoint: () => memoryFs(new Map(warm.files)) },
    );
    try {
      const eos = probe.tokenizer.eosId;
      let accepted = 0;
      let refused = 0;
      for (const [prompt, [ids, ok]] of cache) {
        const finished = ids[ids.length - 1] === eos;
        const text = probe.tokenizer.decode(finished ? ids.slice(0, -1) : ids, { skipSpecialTokens: true });
        const digits = prompt.slice(1, prompt.indexOf('}'));
        const right = finished && text === [...digits].reverse().join('');
        expect(ok, `${prompt} -> ${JSON.stringify(text)}`).toBe(right);
        if (ok) accepted++;
        else refused++;
      }
      expect(accepted).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
      // step 0's prompts, drawn as sftStep draws them: the share with an accepted answer
      const fraction = (config.task as { held_out_fraction: number }).held_out_fraction;
      const drawn = drawTrainingBatch(
        probe.task,
        createRng(config.seed).split('sft').split('step:0'),
        config.prompts_per_step * config.num_generations,
        fraction,
      );
      const self = drawn.filter((s) => cache.get(s.prompt)?.[1]).length / drawn.length;
      expect(first).toBe(self);
    } finally {
      probe.dispose();
    }

    // resume after step 0: the cache comes back from the state, the next step is the same
    const once = await run({ ...SELF, model, max_steps: 2 }, 1, warm.files);
    const resumed = await createTrainingSession(
      rt,
      config,
      {},
      { openCheckpoint: () => memoryFs(new Map(warm.files)), resume: memoryFs(new Map(once.files)) },
    );
    try {
      const m = await resumed.step();
      expect(m['sft/self_fraction']).toBe(straight.rows[1]['sft/self_fraction']);
      expect(m.loss).toBe(straight.rows[1].loss);
      expect(m.grad_norm).toBe(straight.rows[1].grad_norm);
    } finally {
      resumed.dispose();
    }
  });
});
