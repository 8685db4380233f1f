/**
 * Acceptance for the method cards at micro scale: on the shared toy (toy-run.testing.ts), from random
 * weights with a fixed seed, the `hft` card's method (GRPO with half of each block's matrices frozen)
 * and the `s3ft` card's (SFT whose targets are the reference's own greedy answers when correct) raise
 * held-out eval/reward by at least 0.1 in 20 steps, as the plain algorithms do. GRPO runs at lr 1e-2
 * for the reason algorithms-group.test.ts gives. From random weights the reference's greedy answers
 * are wrong, so s3ft trains on gold here; self-targets-session.test.ts covers the switch itself. The
 * cards' full-scale numbers are docs/RESULTS.md's "Algorithm cards".
 */
import { describe, expect, it } from 'vitest';
import type { PartialRunConfig } from '../config/resolve';
import type { Algorithm } from '../config/schema';
import { describeRun, toyConfig, toyRun } from './toy-run.testing';

const CASES: [card: string, algorithm: Algorithm, over: PartialRunConfig][] = [
  ['hft', 'grpo', { learning_rate: 1e-2, freeze: { fraction: 0.5 } }],
  ['s3ft', 'sft', { sft_targets: 'self_when_correct' }],
];

describe('the method cards raise held-out reward on the toy task', () => {
  for (const [card, algorithm, over] of CASES) {
    it(`${card}: held-out eval/reward starts below 0.5 and ends >= 0.1 higher`, async () => {
      const config = toyConfig(algorithm, over);
      const r = await toyRun(config);
      console.log(`${card}: ${describeRun(config, r)}`);
      expect(r.warnings).toEqual([]);
      expect(r.before).toBeLessThan(0.5);
      expect(r.after - r.before).toBeGreaterThanOrEqual(0.1);
    });
  }
});
