/**
 * The time-to-learn benchmark: the crossing rule on a hand-made series, and the command end to end at
 * its smallest size (smoke preset, 8 prompts, 4 steps) so it cannot rot.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tabrl } from '../cli/cli-run.testing.js';
import { crossing, type LearningEval } from '../engine/train/learning.js';

const series = (values: number[]): LearningEval[] =>
  values.map((passAt1, i) => ({ steps: 5 * i, seconds: 2 * 5 * i, passAt1, greedy: 0 }));

describe('time to learn', () => {
  it('crosses at the first evaluation that holds the target twice in a row', () => {
    const evals = series([0.1, 0.35, 0.2, 0.31, 0.4]);
    expect(crossing(evals, 0.3)).toEqual({ target: 0.3, steps: 15, seconds: 30 });
    expect(crossing(evals, 0.39)).toBeNull(); // reached once, at the last evaluation: not held
    expect(crossing(series([0.5, 0.5]), 0.5)).toEqual({ target: 0.5, steps: 0, seconds: 0 });
  });

  it('tabrl bench --learning runs a preset and writes its report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tabrl-learning-'));
    try {
      const json = join(dir, 'learning.json');
      const run = await tabrl([
        'bench',
        '--learning',
        '--preset',
        'smoke',
        '--prompts',
        '8',
        '--every',
        '2',
        '--steps',
        '4',
        '--json',
        json,
      ]);
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(await readFile(json, 'utf8'));
      expect(report.preset).toBe('smoke');
      expect(report.evals.map((e: LearningEval) => e.steps)).toEqual([0, 2, 4]);
      expect(report.start).toBe(report.evals[0].passAt1);
      expect(report.trainSeconds).toBeGreaterThan(0);
      expect(report.evals[2].seconds).toBeCloseTo(report.trainSeconds, 6);
      expect(typeof report.adapter).toBe('string');
      // the step profile: counted FLOPs split over the phases that ran, and the rate they were done at
      const { profile } = report;
      const phases = profile.phases;
      expect(profile.flops).toBeGreaterThan(0);
      expect(phases.generate.flops).toBeGreaterThan(0);
      expect(phases.train.flops).toBeGreaterThan(0);
      expect(phases.reference.flops).toBe(0); // smoke: beta 0, no reference model
      expect(phases.generate.flops + phases.train.flops).toBeCloseTo(profile.flops, 0);
      expect(profile.gflopsPerSecond).toBeCloseTo((4 * profile.flops) / 1e9 / report.trainSeconds, 6);
      expect(phases.train.submits).toBe(1);
      expect(phases.generate.readbacks).toBeGreaterThanOrEqual(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
