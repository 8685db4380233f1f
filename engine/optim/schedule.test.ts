import { describe, expect, it } from 'vitest';
import { learningRate, type ScheduleConfig } from './schedule';

const base: Omit<ScheduleConfig, 'lr_scheduler'> = { learning_rate: 0.01, warmup_steps: 4, max_steps: 12 };
const lrs = (lr_scheduler: ScheduleConfig['lr_scheduler'], steps: number[]) =>
  steps.map((s) => learningRate(s, { ...base, lr_scheduler }));

describe('learningRate', () => {
  it('warms up linearly from 0: step s < 4 gives 0.01*s/4', () => {
    for (const kind of ['constant', 'linear', 'cosine'] as const) {
      const got = lrs(kind, [0, 1, 2, 3]);
      [0, 0.0025, 0.005, 0.0075].forEach((want, i) => {
        expect(got[i]).toBeCloseTo(want, 12);
      });
    }
  });

  it('constant holds the peak after warmup', () => {
    expect(lrs('constant', [4, 8, 12, 50])).toEqual([0.01, 0.01, 0.01, 0.01]);
  });

  it('linear: 0.01*(12-s)/(12-4): s=4 -> 0.01, s=6 -> 0.0075, s=10 -> 0.0025, s=12 -> 0, s=20 -> 0', () => {
    const got = lrs('linear', [4, 6, 10, 12, 20]);
    [0.01, 0.0075, 0.0025, 0, 0].forEach((want, i) => {
      expect(got[i]).toBeCloseTo(want, 12);
    });
  });

  it('cosine: 0.005*(1+cos(pi*(s-4)/8)): s=4 -> 0.01, s=6 -> 0.005*(1+cos(pi/4)) = 0.0085355, s=8 -> 0.005, s=12 -> 0', () => {
    const got = lrs('cosine', [4, 6, 8, 12, 30]);
    [0.01, 0.008535533905932738, 0.005, 0, 0].forEach((want, i) => {
      expect(got[i]).toBeCloseTo(want, 12);
    });
  });

  it('without warmup starts at the peak', () => {
    expect(learningRate(0, { ...base, warmup_steps: 0, lr_scheduler: 'cosine' })).toBe(0.01);
  });
});
