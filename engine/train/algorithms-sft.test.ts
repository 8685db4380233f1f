/**
 * Acceptance for the supervised algorithms: on the shared toy (toy-run.testing.ts), from random
 * weights with a fixed seed, rft (rejection sampling, then cross-entropy on the kept answers) and sft
 * (cross-entropy on gold answers) raise held-out eval/reward by at least 0.1 in 20 steps. RFT keeps
 * answers with reward >= 0.5 (two of three characters right): its default threshold 1.0 keeps
 * nothing from a random model, so no step would train.
 */
import { describe, expect, it } from 'vitest';
import { describeRun, toyConfig, toyRun } from './toy-run.testing';

describe('rft and sft raise held-out reward on the toy task', () => {
  it('rft (rft_threshold 0.5): held-out eval/reward starts below 0.5 and ends >= 0.1 higher', async () => {
    const config = toyConfig('rft', { rft_threshold: 0.5 });
    const r = await toyRun(config);
    console.log(describeRun(config, r));
    expect(r.before).toBeLessThan(0.5);
    expect(r.after - r.before).toBeGreaterThanOrEqual(0.1);
  });

  it('sft: held-out eval/reward starts below 0.5 and ends >= 0.1 higher', async () => {
    const config = toyConfig('sft');
    const r = await toyRun(config);
    console.log(describeRun(config, r));
    expect(r.rewards).toEqual([]);
    expect(r.before).toBeLessThan(0.5);
    expect(r.after - r.before).toBeGreaterThanOrEqual(0.1);
  });
});
