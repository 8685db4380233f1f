import { describe, expect, it } from 'vitest';
import { dynamicSample, filterGroupsWithSpread } from './dynamic-sampling';
import { evalMetrics, evalPerPrompt, passAtK } from './evaluation';
import { rftKeep, rftSample } from './rft';
import { effectiveOverlongBuffer, overlongPenalty } from './shaping';

describe('dynamic sampling', () => {
  it('filters groups whose rewards all agree', () => {
    const groups = [
      [1, 1, 1],
      [0, 1, 0],
      [0, 0, 0],
      [0.5, 0.5, 0.5000001],
    ];
    expect(filterGroupsWithSpread(groups, (g) => g)).toEqual([[0, 1, 0]]);
  });

  it('target 4: round 0 keeps 2, round 1 keeps 1, round 2 keeps 3 -> 4 kept, rounds 2, asked for 4, 2, 1', async () => {
    const spread = [0, 1];
    const flat = [1, 1];
    const plan = [
      [spread, flat, spread, flat],
      [spread, flat],
      [spread, spread, spread],
    ];
    const asked: number[] = [];
    const r = await dynamicSample({
      target: 4,
      maxResampleRounds: 3,
      draw: (count, round) => {
        asked.push(count);
        return plan[round].map((g) => g.slice());
      },
      rewardsOf: (g) => g,
    });
    expect(asked).toEqual([4, 2, 1]);
    expect(r.groups.length).toBe(4);
    expect(r.rounds).toBe(2);
    expect(r.drawn).toBe(9);
    expect(r.metrics['dynamic_sampling/groups_kept']).toBe(4);
  });

  it('gives up after max_resample_rounds and trains on what there is', async () => {
    let calls = 0;
    const r = await dynamicSample({
      target: 3,
      maxResampleRounds: 2,
      draw: async (count) => {
        calls++;
        return Array.from({ length: count }, (_, i) => (calls === 1 && i === 0 ? [0, 1] : [1, 1]));
      },
      rewardsOf: (g) => g,
    });
    expect(calls).toBe(3); // first round + 2 resample rounds
    expect(r.metrics['dynamic_sampling/groups_kept']).toBe(1);
    expect(r.rounds).toBe(2);
  });
});

describe('overlong penalty (DAPO soft form)', () => {
  it('L_max 32, buffer 8: 24 -> 0, 28 -> -(28-24)/8 = -0.5, 32 -> -1', () => {
    expect(overlongPenalty(20, 32, 8)).toBe(0);
    expect(overlongPenalty(24, 32, 8)).toBe(0);
    expect(overlongPenalty(28, 32, 8)).toBe(-0.5);
    expect(overlongPenalty(32, 32, 8)).toBe(-1);
    expect(overlongPenalty(40, 32, 8)).toBe(-1);
  });

  it('default buffer is max_completion_length/4', () => {
    expect(effectiveOverlongBuffer({ overlong_buffer: null, max_completion_length: 32 })).toBe(8);
    expect(effectiveOverlongBuffer({ overlong_buffer: 3, max_completion_length: 32 })).toBe(3);
  });
});

describe('rejection sampling (RFT)', () => {
  it('keeps reward >= threshold, distinct texts: [a:1, b:0, a:1, c:1] -> [0, 3]', () => {
    const c = [
      { text: 'a', reward: 1 },
      { text: 'b', reward: 0 },
      { text: 'a', reward: 1 },
      { text: 'c', reward: 1 },
    ];
    expect(rftKeep(c, 1)).toEqual([0, 3]);
    expect(rftKeep(c, 0)).toEqual([0, 1, 3]);
  });

  it('difficulty-aware: keeps sampling a hard prompt until min_correct distinct answers or the cap', async () => {
    // prompt 0 is easy (every sample correct and distinct), prompt 1 gets one correct answer in each round of 2,
    // prompt 2 never succeeds. perRound 2, minCorrect 3, cap 6.
    let counter = 0;
    const sample = (prompt: number, count: number) =>
      Array.from({ length: count }, (_, i) => {
        counter++;
        const ok = prompt === 0 || (prompt === 1 && i === 0);
        return { text: `${prompt}-${counter}`, reward: ok ? 1 : 0 };
      });
    const r = await rftSample({
      prompts: 3,
      perRound: 2,
      threshold: 1,
      difficultyAware: true,
      minCorrect: 3,
      maxSamplesPerPrompt: 6,
      sample,
    });
    // prompt 0: 2 then 2 more -> 4 sampled, 4 kept; prompt 1: 3 rounds -> 6 sampled, 3 kept; prompt 2: 6 sampled, 0 kept
    expect(r.perPrompt.map((p) => [p.sampled, p.kept.length])).toEqual([
      [4, 4],
      [6, 3],
      [6, 0],
    ]);
    expect(r.metrics['rft/kept_fraction']).toBeCloseTo(7 / 16, 12);
    expect(r.metrics['rft/prompts_with_kept']).toBeCloseTo(2 / 3, 12);
  });

  it('without difficulty_aware samples each prompt once', async () => {
    const r = await rftSample({
      prompts: 2,
      perRound: 3,
      threshold: 0.5,
      difficultyAware: false,
      minCorrect: 5,
      maxSamplesPerPrompt: 100,
      sample: (p, n) => Array.from({ length: n }, () => ({ text: 'same', reward: p })),
    });
    expect(r.perPrompt.map((p) => [p.sampled, p.kept.length])).toEqual([
      [3, 0],
      [3, 1],
    ]);
  });
});

describe('evaluation', () => {
  it('pass@k: n4 c1 k2 -> 1 - (1-2/4) = 0.5; n5 c2 k2 -> 1 - (1-2/4)(1-2/5) = 0.7 (= 1 - C(3,2)/C(5,2)); c=0 -> 0; n-c<k -> 1', () => {
    expect(passAtK(4, 1, 2)).toBeCloseTo(0.5, 12);
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 12);
    expect(passAtK(5, 0, 2)).toBe(0);
    expect(passAtK(5, 4, 2)).toBe(1);
    expect(passAtK(3, 1, 1)).toBeCloseTo(1 / 3, 12);
    expect(() => passAtK(2, 1, 3)).toThrow(/k <= n/);
  });

  it('eval metrics over two prompts, n 4, k 2', () => {
    const m = evalMetrics(
      [
        { rewards: [1, 0, 0, 0], correct: [true, false, false, false], greedyCorrect: true },
        { rewards: [1, 1, 0.5, 0.5], correct: [true, true, false, false], greedyCorrect: false },
      ],
      2,
    );
    // pass@1 = (1/4 + 2/4)/2 = 0.375; pass@2 = (0.5 + (1 - (1/2)(1/3)))/2 = (0.5 + 5/6)/2 = 2/3
    expect(m['eval/pass@1']).toBeCloseTo(0.375, 12);
    expect(m['eval/pass@k']).toBeCloseTo(2 / 3, 12);
    expect(m['eval/greedy']).toBe(0.5);
    expect(m['eval/reward']).toBeCloseTo(4 / 8, 12);
    // pass@k at several k, for every k <= n = 4: @2 as above; @4 = (1 + 1)/2 (n - c < 4 for both); no @8
    expect(m['eval/pass@2']).toBeCloseTo(2 / 3, 12);
    expect(m['eval/pass@4']).toBe(1);
    expect('eval/pass@8' in m).toBe(false);
  });

  it('per-prompt values of the same two prompts, whose means are the metrics', () => {
    const prompts = [
      { rewards: [1, 0, 0, 0], correct: [true, false, false, false], greedyCorrect: true },
      { rewards: [1, 1, 0.5, 0.5], correct: [true, true, false, false], greedyCorrect: false },
    ];
    const per = evalPerPrompt(prompts, 2);
    expect(per['eval/pass@1']).toEqual([0.25, 0.5]);
    expect(per['eval/pass@k'][0]).toBeCloseTo(0.5, 12);
    expect(per['eval/pass@k'][1]).toBeCloseTo(5 / 6, 12);
    expect(per['eval/greedy']).toEqual([1, 0]);
    expect(per['eval/reward']).toEqual([0.25, 0.75]);
    expect(per['eval/pass@4']).toEqual([1, 1]);
    expect('eval/pass@8' in per).toBe(false);
    const m = evalMetrics(prompts, 2) as unknown as Record<string, number>;
    for (const [key, xs] of Object.entries(per)) expect((xs[0] + xs[1]) / 2).toBeCloseTo(m[key], 12);
  });

  it('pass@8 from n 8: one prompt with c 2 -> 1, one with c 0 -> 0; pass@4 = 1 - C(6,4)/C(8,4) = 1 - 15/70', () => {
    const row = (c: number) => ({
      rewards: Array(8).fill(0),
      correct: Array.from({ length: 8 }, (_, i) => i < c),
      greedyCorrect: false,
    });
    const m = evalMetrics([row(2), row(0)], 8);
    expect(m['eval/pass@8']).toBe(0.5);
    expect(m['eval/pass@4']).toBeCloseTo((1 - 15 / 70) / 2, 12);
    expect(m['eval/pass@k']).toBe(m['eval/pass@8']);
    expect(() => evalMetrics([row(1), { ...row(1), correct: [true] }], 1)).toThrow(/same n/);
  });
});
