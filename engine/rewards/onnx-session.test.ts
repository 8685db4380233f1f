/**
 * A reward model in a real run: RunConfig `reward_models` validated, the classifier folder opened
 * through SessionOptions.openCheckpoint, GRPO steps on the GPU whose logged per-function rewards are
 * the float64 network's scores of each sampled completion.
 */
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import { parseRunConfig, RunConfigError, resolveRunConfig } from '../config/resolve';
import { createRng } from '../rl/random';
import { CharTokenizer, DEFAULT_ALPHABET } from '../tokenizers/char-tokenizer';
import { createTrainingSession } from '../train/session';
import type { StepSamples } from '../train/session-types';
import { labelReward } from './onnx-model';
import { tinyClassifier, tinyClassifierLogits, tinyRewardModelFolder } from './onnx-test-model';

const tokenizer = new CharTokenizer({ alphabet: DEFAULT_ALPHABET });
const rng = createRng(11);
const net = tinyClassifier(tokenizer.vocabSize, 6, 2, () => rng.next(), 2);
const folder = tinyRewardModelFolder(net, tokenizer, ['BAD', 'GOOD']);

const TINY = { name: 'tiny', path: '/reward-models/tiny', label: 'GOOD' };

/** Through parseRunConfig, as a config file is read: reward_models entries may omit defaulted fields. */
function toyConfig(over: Record<string, unknown> = {}) {
  const r = parseRunConfig({
    algorithm: 'grpo',
    seed: 3,
    model: { name: 'smoke', overrides: {} },
    task: { name: 'reversal', length: 2, symbols: '012', held_out_fraction: 0.25 },
    reward_funcs: ['char_match', 'tiny'],
    reward_weights: [1, 2],
    reward_models: [TINY],
    prompts_per_step: 4,
    num_generations: 4,
    max_completion_length: 3,
    learning_rate: 3e-2,
    beta: 0,
    eval_every: 0,
    max_steps: 10,
    ...over,
  });
  if (!r.ok) throw new RunConfigError(r.errors);
  return r.config;
}

describe('RunConfig reward_models', () => {
  it('fills defaults and lets reward_funcs name the model', () => {
    const c = toyConfig();
    expect(c.reward_models).toEqual([
      { ...TINY, output: 'probability', input: 'prompt_completion', max_length: 512, batch_size: 64 },
    ]);
    expect(resolveRunConfig({}).reward_models).toEqual([]);
  });

  it('refuses undeclared names, clashes with built-ins, duplicates and bad fields', () => {
    const errors = (input: Record<string, unknown>) => {
      const r = parseRunConfig(input);
      return r.ok ? [] : r.errors;
    };
    expect(errors({ reward_funcs: ['tiny'] })).toEqual([
      'reward_funcs.0: must be one of correct, format, char_match (got "tiny")',
    ]);
    expect(errors({ reward_funcs: ['sent'], reward_models: [{ name: 'toxic', path: '/m' }] })).toEqual([
      'reward_funcs.0: must be one of correct, format, char_match or a reward_models name (toxic) (got "sent")',
    ]);
    expect(errors({ reward_models: [{ name: 'correct', path: '/m' }] })).toEqual([
      'reward_models.0.name: is already a built-in or reward_code name (got "correct")',
    ]);
    expect(
      errors({
        reward_models: [
          { name: 'a', path: '/m' },
          { name: 'a', path: '/n' },
        ],
      }),
    ).toEqual(['reward_models.1.name: is declared twice (got "a")']);
    expect(errors({ reward_models: [{ name: 'a', path: '/m', output: 'score', max_length: 0 }] })).toEqual([
      'reward_models.0.output: must be one of probability, logit (got "score")',
      'reward_models.0.max_length: must be >= 1 (got 0)',
    ]);
  });
});

describe('a GRPO run rewarded by an ONNX classifier', () => {
  it('trains 3 steps; each completion logs the network’s float64 score, the total weighs it by 2', async () => {
    const rt = await testRuntime();
    const opened: string[] = [];
    const warnings: string[] = [];
    const samples: StepSamples[] = [];
    const session = await createTrainingSession(
      rt,
      toyConfig(),
      { onWarning: (m) => warnings.push(m), onSamples: (s) => samples.push(s) },
      {
        openCheckpoint: (name) => {
          opened.push(name);
          return folder;
        },
      },
    );
    try {
      // Node's onnxruntime-web runs WASM only, so the session reports it as the first choice.
      expect(session.rewardModels).toEqual([
        { name: 'tiny', label: 'GOOD', labelIndex: 1, executionProvider: 'wasm', refused: [] },
      ]);
      const metrics = [];
      for (let i = 0; i < 3; i++) metrics.push(await session.step());
      expect(warnings, 'no step was refused').toEqual([]);
      expect(opened).toEqual(['/reward-models/tiny']);
      expect(samples).toHaveLength(3);
      const mismatches: string[] = [];
      for (const step of samples) {
        for (const group of step.groups) {
          for (const c of group.completions) {
            const ids = tokenizer.encode(group.prompt + c.text);
            const want = labelReward(tinyClassifierLogits(net, ids.length ? ids : [0]), 1, 'probability');
            if (Math.abs(c.rewards.tiny - want) > 1e-5)
              mismatches.push(
                `step ${step.step} ${JSON.stringify(group.prompt + c.text)}: ${c.rewards.tiny} vs ${want}`,
              );
            if (Math.abs(c.reward - (c.rewards.char_match + 2 * c.rewards.tiny)) > 1e-9)
              mismatches.push(`step ${step.step}: total ${c.reward} is not char_match + 2 tiny`);
          }
        }
      }
      expect(mismatches.slice(0, 5)).toEqual([]);
      for (const m of metrics) {
        expect(m['rewards/tiny/mean'], `step ${m.step}`).toBeGreaterThan(0);
        expect(m['rewards/tiny/mean'], `step ${m.step}`).toBeLessThan(1);
        expect(m.grad_norm, `step ${m.step} grad_norm`).toBeGreaterThan(0);
        expect(m.update_skipped, `step ${m.step}`).toBeUndefined();
      }
      // the steps trained: the policy's entropy moved
      expect(metrics[2].entropy).not.toBe(metrics[0].entropy);
      const scores = samples.flatMap((s) =>
        s.groups.flatMap((g) => g.completions.map((c) => c.rewards.tiny)),
      );
      expect(
        new Set(scores.map((v) => v.toFixed(6))).size,
        'the classifier tells completions apart',
      ).toBeGreaterThan(2);
    } finally {
      session.dispose();
    }
  });
});
