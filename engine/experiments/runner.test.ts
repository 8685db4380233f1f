import { describe, expect, it } from 'vitest';
import { EXPERIMENTS, experimentProblems, findExperiment } from './registry';
import { armConfig, type ExperimentExecutor, judge, runExperiment } from './runner';
import { type Experiment, expectedText, SCALES, type TrainedArm } from './types';

describe('the registry', () => {
  it('every experiment is sound and every trained arm resolves to a valid RunConfig at both scales', () => {
    expect(EXPERIMENTS.flatMap(experimentProblems)).toEqual([]);
    for (const e of EXPERIMENTS)
      for (const arm of e.arms.filter((a): a is TrainedArm => 'config' in a))
        for (const scale of SCALES) {
          const c = armConfig(e, arm, scale, 5);
          expect(c.max_steps).toBe(e.scales[scale].steps);
          expect(c.seed).toBe(5);
          // forgetting's quick scale evaluates its warm start before the step, so the test sees the old task fall
          const quickWarm = e.name === 'forgetting' && scale === 'quick';
          expect(c.eval_every).toBe(quickWarm ? 1 : 0);
          if (scale === 'full') expect(c.eval_prompts).toBeGreaterThanOrEqual(200);
          if (scale === 'full') expect(c.temperature).toBe(1);
          if (scale === 'quick') expect(c.model.name).toBe(quickWarm ? '/models/arithmetic-sft' : 'smoke');
        }
  });

  it('arm overrides land: reft warms up with SFT before PPO; dart differs only in difficulty_aware', () => {
    const reft = findExperiment('reft');
    const ppo = armConfig(reft, reft.arms[1] as TrainedArm, 'full', 0);
    expect([ppo.algorithm, ppo.sft_steps, ppo.max_steps]).toEqual(['ppo', 4, 10]);
    const dart = findExperiment('dart');
    const [v, d] = dart.arms.map((a) => armConfig(dart, a as TrainedArm, 'full', 0));
    expect([v.difficulty_aware, d.difficulty_aware]).toEqual([false, true]);
  });

  it('finds by name and lists the names for an unknown one; the checks catch bad declarations', () => {
    expect(() => findExperiment('nope')).toThrow(/dr_grpo_length, reft, interpolation, dart/);
    const bad: Experiment = {
      ...findExperiment('interpolation'),
      arms: [
        { label: 'grpo', config: {} },
        { label: 'x', from: 'missing', interpolate: 2 },
      ],
    };
    expect(experimentProblems(bad)).toEqual([
      'interpolation: arm x reuses "missing", which is not a trained arm',
      'interpolation: arm x: interpolate must be in [0, 1.5] (got 2)',
      'interpolation: the judge names no arm "alpha=0"',
      'interpolation: the judge names no arm "alpha=0.5"',
    ]);
  });

  it('expected text and judging: a pair and a rising sweep', () => {
    expect(expectedText({ kind: 'pair', a: 'x', b: 'y', direction: -1 })).toBe('x < y');
    expect(expectedText({ kind: 'sweep', arms: ['a', 'b', 'c'], direction: 1 })).toBe('a < b < c');
    expect(expectedText({ kind: 'best', a: 'prefix', others: ['sft', 'grpo'], direction: 1 })).toBe(
      'prefix > sft, grpo',
    );
    const p = findExperiment('prefix');
    const pse = { sft: 0.01, grpo: 0.01, prefix: 0.01 };
    expect(judge(p, { sft: 0.2, grpo: 0.3, prefix: 0.4 }, pse)).toBe('reproduced');
    expect(judge(p, { sft: 0.2, grpo: 0.45, prefix: 0.4 }, pse)).toBe('not_reproduced');
    const e = findExperiment('interpolation');
    const se = { 'alpha=0': 0.01, 'alpha=0.5': 0.01, grpo: 0.01 };
    expect(judge(e, { 'alpha=0': 0.1, 'alpha=0.5': 0.2, grpo: 0.3 }, se)).toBe('reproduced');
    expect(judge(e, { 'alpha=0': 0.3, 'alpha=0.5': 0.2, grpo: 0.1 }, se)).toBe('not_reproduced');
  });
});

/** An executor that records calls; an arm's pass@1 per prompt is given by `values` (keyed by model folder). */
function fakeExecutor(values: Record<string, number[]>, trainLengths: Record<string, number> = {}) {
  const calls: string[] = [];
  let t = 0;
  const x: ExperimentExecutor = {
    join: (d, n) => `${d}/${n}`,
    now: () => (t += 1),
    checkpointOf: (dir) => `${dir}/checkpoint`,
    async train(label, config, dir, steps) {
      calls.push(`train ${label} ${config.algorithm} ${dir} ${steps}`);
      return Array.from({ length: steps }, (_, step) => ({
        step,
        'completions/incorrect_mean_length': trainLengths[`${label}:${step}`],
      }));
    },
    async interpolate(start, final, alpha, out) {
      calls.push(`interpolate ${start} ${final} ${alpha} ${out}`);
    },
    async evaluate(label, dir, config) {
      calls.push(`evaluate ${label} ${dir} ${config.algorithm}`);
      const per = values[dir];
      return {
        metrics: { 'eval/pass@1': per.reduce((a, b) => a + b, 0) / per.length },
        perPrompt: { 'eval/pass@1': per },
      };
    },
  };
  return { x, calls };
}

describe('runExperiment', () => {
  it('trains, saves the start of an interpolated arm, interpolates, evaluates, and judges (fake executor)', async () => {
    const ones = (k: number) => Array.from({ length: 100 }, (_, i) => (i < k ? 1 : 0));
    const { x, calls } = fakeExecutor({
      'out/grpo/checkpoint': ones(60),
      'out/alpha=0': ones(10),
      'out/alpha=0.5': ones(35),
    });
    const r = await runExperiment({
      experiment: findExperiment('interpolation'),
      scale: 'quick',
      seed: 3,
      outDir: 'out',
      commit: 'abc',
      adapter: 'fake',
      executor: x,
    });
    expect(calls).toEqual([
      'train grpo (start) grpo out/grpo.start 0',
      'train grpo grpo out/grpo 1',
      'evaluate grpo out/grpo/checkpoint grpo',
      'interpolate out/grpo.start/checkpoint out/grpo/checkpoint 0 out/alpha=0',
      'evaluate alpha=0 out/alpha=0 grpo',
      'interpolate out/grpo.start/checkpoint out/grpo/checkpoint 0.5 out/alpha=0.5',
      'evaluate alpha=0.5 out/alpha=0.5 grpo',
    ]);
    expect(Object.keys(r.verdict)).toEqual([
      'name',
      'claim',
      'metric',
      'expected',
      'arms',
      'stderr',
      'verdict',
      'seed',
      'commit',
      'adapter',
    ]);
    expect(r.verdict.arms).toEqual({ grpo: 0.6, 'alpha=0': 0.1, 'alpha=0.5': 0.35 });
    // bootstrap errors near the plug-in sqrt(p(1 - p)/n): 0.049, 0.030, 0.048
    expect(r.verdict.stderr.grpo).toBeCloseTo(0.049, 2);
    expect(r.verdict.stderr['alpha=0']).toBeCloseTo(0.03, 2);
    expect(r.verdict.verdict).toBe('reproduced');
    expect([r.verdict.seed, r.verdict.commit, r.verdict.adapter, r.verdict.expected]).toEqual([
      3,
      'abc',
      'fake',
      'alpha=0 < alpha=0.5 < grpo',
    ]);
    expect(r.rows.map((row) => [row.label, row.kind, row.steps, row.prompts])).toEqual([
      ['grpo', 'trained', 1, 100],
      ['alpha=0', 'interpolated', 1, 100],
      ['alpha=0.5', 'interpolated', 1, 100],
    ]);
  });

  it('judges a training metric on the second half of the steps: rows without it are skipped', async () => {
    const e: Experiment = {
      ...findExperiment('dr_grpo_length'),
      scales: { quick: { steps: 4 }, full: { steps: 4 } },
    };
    // steps 0, 1 are the first half; dr_grpo's step 3 logged no incorrect completion
    const { x, calls } = fakeExecutor(
      {},
      { 'grpo:0': 1, 'grpo:1': 1, 'grpo:2': 7, 'grpo:3': 9, 'dr_grpo:2': 4 },
    );
    const r = await runExperiment({
      experiment: e,
      scale: 'quick',
      seed: 0,
      outDir: 'o',
      commit: 'c',
      adapter: 'a',
      executor: x,
    });
    expect(calls).toEqual(['train grpo grpo o/grpo 4', 'train dr_grpo grpo o/dr_grpo 4']);
    expect(r.verdict.arms).toEqual({ grpo: 8, dr_grpo: 4 });
    expect(r.verdict.stderr.dr_grpo).toBe(0);
    // the bootstrap of [7, 9]: means 7, 8, 9 with ¼, ½, ¼: sd √(1/2) ≈ 0.707; 4 < 2·0.707, reproduced
    expect(r.verdict.stderr.grpo).toBeCloseTo(Math.SQRT1_2, 1);
    expect(r.verdict.verdict).toBe('reproduced');
    expect(r.verdict.expected).toBe('grpo > dr_grpo');
    const none = fakeExecutor({}, {});
    await expect(
      runExperiment({
        experiment: e,
        scale: 'quick',
        seed: 0,
        outDir: 'o',
        commit: 'c',
        adapter: 'a',
        executor: none.x,
      }),
    ).rejects.toThrow(/no step of the second half of training logged completions\/incorrect_mean_length/);
  });

  it('a guidance_weight arm evaluates its trained arm with the weight, θ_ref its saved start; an evaluation without the metric is refused', async () => {
    const base = findExperiment('interpolation');
    const guided: Experiment = {
      ...base,
      judge: { kind: 'pair', a: 'grpo', b: 'w', direction: 1 },
      arms: [base.arms[0], { label: 'w', from: 'grpo', guidance_weight: 0.5 }],
    };
    const { x, calls } = fakeExecutor({ 'out/grpo/checkpoint': [1, 0] });
    const weights: (number | string)[] = [];
    const evaluate = x.evaluate;
    x.evaluate = (label, dir, config, reference) => {
      weights.push(config.guidance_weight, reference ?? 'none');
      return evaluate(label, dir, config, reference);
    };
    const o = { scale: 'quick' as const, seed: 0, outDir: 'out', commit: 'c', adapter: 'a', executor: x };
    const r = await runExperiment({ ...o, experiment: guided });
    expect(calls.filter((c) => c.startsWith('train'))).toEqual([
      'train grpo (start) grpo out/grpo.start 0',
      'train grpo grpo out/grpo 1',
    ]);
    expect(weights).toEqual([1, 'none', 0.5, 'out/grpo.start/checkpoint']);
    expect(Object.keys(r.verdict.arms)).toEqual(['grpo', 'w']);
    const other: Experiment = { ...base, metric: 'eval/greedy' };
    await expect(runExperiment({ ...o, experiment: other })).rejects.toThrow(/has no eval\/greedy/);
  });
});
