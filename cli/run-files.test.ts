/**
 * The run folder `tabrl train` writes follows docs/DESIGN.md field for field: every metric name of the
 * metrics.jsonl contract on every row (eval/* on eval steps), every samples.jsonl field with its type
 * and per-token lengths, and the numbers of the two files agree with each other (reward, lengths,
 * token counts), so a file that merely has the right keys does not pass.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPreset } from '../engine/config/presets.js';
import { parseRunConfig, setByPath } from '../engine/config/resolve.js';
import { testRuntime } from '../kernels/testing/gpu.js';
import { runTraining } from './lib/training.js';

/** docs/DESIGN.md "Metrics", in its order; `rewards/<fn>/mean` is expanded per reward function below. */
const STEP_METRICS = [
  'step',
  'reward',
  'reward_std',
  'frac_reward_zero_std',
  'entropy',
  'kl',
  'clip_ratio/low_mean',
  'clip_ratio/high_mean',
  'clip_ratio/region_mean',
  'loss',
  'grad_norm',
  'learning_rate',
  'completions/mean_length',
  'completions/clipped_ratio',
  'num_tokens',
  'step_time',
  'tokens_per_second',
  'timing/generate',
  'timing/score',
  'timing/reference',
  'timing/train',
  'dispatches',
];
const EVAL_METRICS = ['eval/reward', 'eval/pass@1', 'eval/pass@k', 'eval/greedy'];
const STEPS = 3;

interface Completion {
  text: unknown;
  reward: unknown;
  rewards: unknown;
  advantage: unknown;
  length: unknown;
  truncated: unknown;
  tokens: unknown;
  logprobs: unknown;
  entropies: unknown;
}

let dir: string;
let metrics: Record<string, unknown>[];
let samples: { step: unknown; groups: { prompt: unknown; completions: Completion[] }[] }[];
let config: ReturnType<typeof smokeConfig>;

/**
 * The smoke preset with an eval on the last step and a KL penalty: with beta = 0 there is no reference
 * and, as in TRL, no `kl` metric, so beta > 0 is what makes every docs/DESIGN.md name due.
 */
function smokeConfig() {
  let partial = setByPath(structuredClone(findPreset('smoke').config), `eval_every=${STEPS}`);
  partial = setByPath(partial, 'beta=0.04');
  const parsed = parseRunConfig(partial);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

const readJsonl = async (name: string) =>
  (await readFile(join(dir, name), 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tabrl-run-files-'));
  config = smokeConfig();
  await runTraining({ rt: await testRuntime(), outDir: dir, config, stopAfter: STEPS });
  metrics = await readJsonl('metrics.jsonl');
  samples = await readJsonl('samples.jsonl');
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tabrl train run folder (smoke preset, 3 steps)', () => {
  it('writes config.json as the resolved RunConfig, with the kernel variants the run used', async () => {
    const written = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect({ ...written, kernel_variants: {} }).toEqual({ ...config, kernel_variants: {} });
    const variants = Object.entries(written.kernel_variants as Record<string, string>);
    expect(variants.length).toBeGreaterThan(0);
    for (const [key, variant] of variants) {
      expect(key).toMatch(/^matmul\//);
      expect(typeof variant).toBe('string');
    }
  });

  it('has one metrics row per step with every docs/DESIGN.md metric as a finite number', () => {
    expect(metrics.map((m) => m.step)).toEqual([0, 1, 2]);
    const names = [...STEP_METRICS, ...config.reward_funcs.map((fn) => `rewards/${fn}/mean`)];
    for (const row of metrics) {
      const missing = names.filter((n) => typeof row[n] !== 'number' || !Number.isFinite(row[n]));
      expect(missing, `step ${row.step}: missing or non-finite ${missing.join(', ')}`).toEqual([]);
    }
    // eval_every = STEPS: the starting policy at step 0 (before its update), then after every STEPS steps
    const isEvalRow = (m: Record<string, unknown>) => m.step === 0 || (Number(m.step) + 1) % STEPS === 0;
    const evalRows = metrics.filter(isEvalRow);
    expect(evalRows.length).toBe(2);
    for (const row of evalRows) {
      for (const n of EVAL_METRICS) {
        expect(typeof row[n], `step ${row.step} ${n}`).toBe('number');
        expect(row[n] as number).toBeGreaterThanOrEqual(0);
        expect(row[n] as number).toBeLessThanOrEqual(1);
      }
    }
    const plainRows = metrics.filter((m) => !isEvalRow(m));
    for (const row of plainRows) for (const n of EVAL_METRICS) expect(row[n], `${n}`).toBeUndefined();
  });

  it('has one samples row per step with P groups of G completions, every field typed', () => {
    expect(samples.map((s) => s.step)).toEqual([0, 1, 2]);
    for (const row of samples) {
      expect(row.groups).toHaveLength(config.prompts_per_step);
      for (const group of row.groups) {
        expect(typeof group.prompt).toBe('string');
        expect(group.completions).toHaveLength(config.num_generations);
        for (const c of group.completions) {
          expect(typeof c.text).toBe('string');
          expect(typeof c.reward).toBe('number');
          expect(typeof c.advantage).toBe('number');
          expect(Number.isFinite(c.advantage)).toBe(true);
          expect(typeof c.truncated).toBe('boolean');
          expect(Number.isInteger(c.length)).toBe(true);
          expect(Object.keys(c.rewards as object).sort()).toEqual([...config.reward_funcs].sort());
          for (const v of Object.values(c.rewards as object)) expect(typeof v).toBe('number');
          for (const key of ['tokens', 'logprobs', 'entropies'] as const) {
            const list = c[key] as unknown[];
            expect(Array.isArray(list), key).toBe(true);
            expect(list, `${key} has one entry per completion token`).toHaveLength(c.length as number);
            for (const v of list) expect(typeof v).toBe('number');
          }
          for (const id of c.tokens as number[]) expect(Number.isInteger(id)).toBe(true);
          for (const lp of c.logprobs as number[]) expect(lp).toBeLessThanOrEqual(1e-6);
          for (const h of c.entropies as number[]) expect(h).toBeGreaterThanOrEqual(-1e-6);
          expect(c.length as number).toBeLessThanOrEqual(config.max_completion_length);
        }
      }
    }
  });

  it('logs metrics that agree with the samples of the same step', () => {
    let tokens = 0;
    samples.forEach((row, s) => {
      const m = metrics[s];
      const all = row.groups.flatMap((g) => g.completions);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(m.reward as number).toBeCloseTo(mean(all.map((c) => c.reward as number)), 5);
      for (const fn of config.reward_funcs) {
        const values = all.map((c) => (c.rewards as Record<string, number>)[fn]);
        expect(m[`rewards/${fn}/mean`] as number).toBeCloseTo(mean(values), 5);
      }
      expect(m['completions/mean_length'] as number).toBeCloseTo(mean(all.map((c) => c.length as number)), 5);
      const clipped = all.filter((c) => c.truncated).length / all.length;
      expect(m['completions/clipped_ratio'] as number).toBeCloseTo(clipped, 5);
      // Sample std of each group, averaged over groups (TRL's reward_std).
      const stds = row.groups.map((g) => {
        const r = g.completions.map((c) => c.reward as number);
        const mu = mean(r);
        return Math.sqrt(r.reduce((a, x) => a + (x - mu) ** 2, 0) / (r.length - 1));
      });
      expect(m.reward_std as number).toBeCloseTo(mean(stds), 5);
      const zeroStd = stds.filter((sd) => sd < 1e-6).length / stds.length;
      expect(m.frac_reward_zero_std as number).toBeCloseTo(zeroStd, 5);
      const mean_entropy = mean(all.flatMap((c) => c.entropies as number[]));
      expect(m.entropy as number).toBeCloseTo(mean_entropy, 3);
      // num_tokens counts prompt and completion tokens since the run began; prompts carry >= 1 token.
      tokens += all.reduce((n, c) => n + (c.length as number), 0);
      expect(m.num_tokens as number).toBeGreaterThan(tokens);
    });
    expect(metrics[2].num_tokens as number).toBeGreaterThan(metrics[1].num_tokens as number);
  });
});
