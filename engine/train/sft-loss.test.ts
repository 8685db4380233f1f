/**
 * `sft_loss` through the trainer (docs/ALGORITHMS.md "SFT losses"), on the shared toy from random
 * weights: every SFT update logs `sft/loss` (= `loss`); `dft` and `asft` take the same first step
 * (θ_ref is the starting policy, so KL_0 = 0), after which asft's `sft/anchor_kl` grows; under an
 * `sft_steps` warm-up the anchor is the starting policy and RL's reference is taken after it (the
 * first RL step's `kl` is 0); `rft` logs the anchor on the steps it trains. The kernels' float64 checks
 * are kernels/ops/sft_loss/sft_loss.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import type { PartialRunConfig } from '../config/resolve';
import type { Algorithm } from '../config/schema';
import { memoryFs } from '../model/checkpoint';
import { createTrainingSession } from './session';
import type { StepMetrics } from './session-types';
import { toyConfig } from './toy-run.testing';

async function rows(algorithm: Algorithm, over: PartialRunConfig): Promise<StepMetrics[]> {
  const rt = await testRuntime();
  const session = await createTrainingSession(rt, toyConfig(algorithm, over));
  try {
    const out: StepMetrics[] = [];
    while (session.stepsDone < session.config.max_steps) out.push(await session.step());
    return out;
  } finally {
    session.dispose();
  }
}

describe('sft_loss in SFT updates', () => {
  it('ce (the default) logs sft/loss = loss and no anchor', async () => {
    const ce = await rows('sft', { max_steps: 2 });
    for (const r of ce) {
      expect(r['sft/loss']).toBe(r.loss);
      expect(r['sft/anchor_kl']).toBeUndefined();
    }
  });

  it('dft and asft: the same first step (KL to the starting policy is 0), then the anchor grows', async () => {
    const dft = await rows('sft', { max_steps: 4, sft_loss: 'dft' });
    const asft = await rows('sft', { max_steps: 4, sft_loss: 'asft', anchor_beta: 0.5 });
    const ce = await rows('sft', { max_steps: 1 });
    // p(y) <= 1: the dft loss is below cross-entropy on the same batch
    expect(dft[0].loss).toBeLessThan(ce[0].loss);
    expect(dft[0].loss).toBeGreaterThan(0);
    expect(asft[0]['sft/anchor_kl']).toBeCloseTo(0, 6);
    expect(asft[0].loss).toBeCloseTo(dft[0].loss, 6);
    expect(asft[0].grad_norm).toBeCloseTo(dft[0].grad_norm, 5);
    for (const r of dft) expect(r['sft/anchor_kl']).toBeUndefined();
    expect(asft[3]['sft/anchor_kl']).toBeGreaterThan(1e-4);
    for (const r of asft) expect(r['sft/loss']).toBe(r.loss);
  });

  it('sft_steps warm-up under asft: anchored to the start, then RL takes its reference after SFT', async () => {
    const r = await rows('grpo', { max_steps: 3, sft_steps: 2, sft_loss: 'asft', beta: 0.04 });
    expect(r[0]['sft/anchor_kl']).toBeCloseTo(0, 6);
    expect(r[1]['sft/anchor_kl']).toBeGreaterThan(0);
    // the first RL step samples from the policy it takes as reference: KL 0
    expect(r[2]['sft/loss']).toBeUndefined();
    expect(r[2].kl).toBeCloseTo(0, 5);
  });

  it('a run resumed mid-SFT under asft keeps its anchor: the next step is the uninterrupted one', async () => {
    const rt = await testRuntime();
    const config = toyConfig('sft', { max_steps: 3, sft_loss: 'asft', anchor_beta: 0.5 });
    const straight = await rows('sft', { max_steps: 3, sft_loss: 'asft', anchor_beta: 0.5 });
    const first = await createTrainingSession(rt, config);
    let saved: Map<string, Uint8Array>;
    try {
      await first.step();
      await first.step();
      saved = await first.saveCheckpoint();
    } finally {
      first.dispose();
    }
    const second = await createTrainingSession(rt, config, {}, { resume: memoryFs(saved) });
    try {
      const m = await second.step();
      expect(m['sft/anchor_kl']).toBeGreaterThan(0);
      expect(m['sft/anchor_kl']).toBe(straight[2]['sft/anchor_kl']);
      expect(m.loss).toBe(straight[2].loss);
    } finally {
      second.dispose();
    }
  });

  it('rft under asft logs the anchor on the steps that train', async () => {
    const r = await rows('rft', { max_steps: 2, rft_threshold: 0.3, sft_loss: 'asft' });
    const trained = r.filter((m) => m['sft/loss'] !== undefined);
    expect(trained.length).toBeGreaterThan(0);
    for (const m of trained) expect(m['sft/anchor_kl']).toBeGreaterThanOrEqual(0);
  });
});
