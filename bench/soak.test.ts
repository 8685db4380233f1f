/**
 * The whole-session soak: the drift rule on a hand-made series; a leak of one buffer a step, injected
 * into a short in-process soak, is caught at every step after the baseline (so the check can fail); and
 * `tabrl bench --soak --steps 60 --from 30 --checkpoint-every 20` (the CI-sized run of bench/RESULTS.md's
 * 2,000-step figure; evaluations and checkpoints both before and after the baseline) finds every step
 * from 30 to 60 (3 evaluations and 2 checkpoints among them) owning exactly step 30's GPU buffers and
 * bytes, and nothing left after dispose.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tabrl } from '../cli/cli-run.testing.js';
import { createNodeRewardSandbox } from '../engine/rewards/sandbox-node.js';
import type { Tensor } from '../kernels/runtime/index.js';
import { testRuntime } from '../kernels/testing/gpu.js';
import { type BufferSample, bufferDrift, runSoak, type SoakReport } from './soak.js';

describe('soak', () => {
  it('drift: every sample after the baseline step that differs in buffers or bytes', () => {
    const s = (step: number, buffers: number, bytes: number): BufferSample => ({ step, buffers, bytes });
    const series = [s(1, 4, 64), s(2, 5, 80), s(3, 5, 80), s(4, 5, 96), s(5, 6, 80), s(6, 5, 80)];
    expect(bufferDrift(series, 2)).toEqual([s(4, 5, 96), s(5, 6, 80)]);
    expect(bufferDrift(series, 5)).toEqual([s(6, 5, 80)]);
    expect(bufferDrift(series.slice(0, 3), 2)).toEqual([]);
    expect(() => bufferDrift(series, 9)).toThrow(/no sample at step 9/);
  });

  const sandbox = createNodeRewardSandbox();
  afterAll(() => sandbox.dispose());

  it('a buffer leaked each step after the baseline shows at every later step', async () => {
    const rt = await testRuntime();
    const leaked: Tensor[] = [];
    // a size no pooled buffer has, so the leak cannot hide in the free pool
    const report = await runSoak({
      rt,
      steps: 6,
      from: 3,
      checkpointEvery: 2,
      rewardSandbox: sandbox,
      onStep: (sample) => {
        if (sample.step >= 3 && sample.step < 6) leaked.push(rt.zeros([64 * (4099 + sample.step)], 'leak'));
      },
    });
    expect(report.driftCount).toBe(3);
    expect(report.drift.map((d) => d.step)).toEqual([4, 5, 6]);
    expect(report.drift.map((d) => d.buffers - report.baseline.buffers)).toEqual([1, 2, 3]);
    expect(report.steady).toBe(false);
    for (const t of leaked) t.dispose();
  });

  it('tabrl bench --soak --steps 60 --from 30: steps 30 to 60 own step 30 buffers; dispose leaves none', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tabrl-soak-'));
    try {
      const json = join(dir, 'soak.json');
      const args = ['--soak', '--steps', '60', '--from', '30', '--checkpoint-every', '20'];
      const run = await tabrl(['bench', ...args, '--json', json]);
      console.log(`tabrl bench ${args.join(' ')}: ${run.seconds.toFixed(0)} s\n${run.stderr.slice(-1500)}`);
      expect(run.code, run.stderr).toBe(0);
      const r = JSON.parse(await readFile(json, 'utf8')) as SoakReport & { adapter: string };
      expect(r.stepSeconds).toHaveLength(60);
      expect([r.baseline.step, r.last.step]).toEqual([30, 60]);
      expect([r.evalEvery, r.checkpointEvery]).toEqual([10, 20]);
      expect(r.baseline.buffers).toBeGreaterThan(0);
      expect(r.drift).toEqual([]);
      expect(r.last).toEqual({ ...r.baseline, step: 60 });
      expect(r.afterDispose).toEqual({ ...r.before, step: 60 });
      expect(r.steady).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
