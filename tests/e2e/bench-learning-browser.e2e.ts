/**
 * `tabrl bench --learning --browser`: the time-to-learn benchmark in Chromium, in the lab's own engine
 * worker on the production build (the measurement bench/RESULTS.md reports for the browser). Run at
 * its smallest size (the smoke preset, 8 prompts, 2 steps) so that it cannot rot.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tabrl } from '../../cli/cli-run.testing.js';
import type { LearningEval } from '../../engine/train/learning.js';

describe('tabrl bench --learning --browser', () => {
  it("runs the smoke preset in the lab's worker in Chromium and writes its report", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tabrl-learning-browser-'));
    try {
      const json = join(dir, 'learning.json');
      const run = await tabrl([
        'bench',
        '--learning',
        '--browser',
        '--swiftshader',
        '--preset',
        'smoke',
        '--prompts',
        '8',
        '--every',
        '1',
        '--steps',
        '2',
        '--json',
        json,
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/step 2: pass@1 \d\.\d{4}/);
      const report = JSON.parse(await readFile(json, 'utf8'));
      expect(report.preset).toBe('smoke');
      expect(report.prompts).toBe(8);
      expect(report.evals.map((e: LearningEval) => e.steps)).toEqual([0, 1, 2]);
      expect(report.evals[1].seconds).toBeGreaterThan(0);
      expect(report.evals[2].seconds).toBeGreaterThan(report.evals[1].seconds);
      expect(report.evals[2].seconds).toBeCloseTo(report.trainSeconds, 6);
      expect(report.setupSeconds).toBeGreaterThan(0);
      expect(report.adapter).toMatch(/swiftshader.*\(software\), in Chromium \d+/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('says what to do when the build is not there or the browser is not found', async () => {
    const run = await tabrl(['bench', '--learning', '--browser', '--chromium', '/nonexistent/chromium']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('/nonexistent/chromium not found');
  });
});
