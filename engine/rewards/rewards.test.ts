import { describe, expect, it } from 'vitest';
import { createTask } from '../tasks';
import { taskOptions } from '../tasks/options';
import type { TaskSample } from '../tasks/types';
import { charMatchReward, correctReward, formatReward, type RewardInput } from './builtin';
import { weightedRewards } from './index';
import { scoreCompletions } from './score';

const task = createTask(taskOptions.parse({ name: 'addition', tag: 'a' }));
const sample: TaskSample = { prompt: '12+34=', answer: '46', gold: '<a>46</a>', tag: 'a' };
const input = (completion: string, s: TaskSample = sample): RewardInput => ({
  prompt: s.prompt,
  completion,
  sample: s,
  task,
});

describe('reward functions (doc-comment examples)', () => {
  it('correct', () => {
    expect(correctReward(input('<a>46</a>'))).toBe(1);
    expect(correctReward(input('<a>47</a>'))).toBe(0);
    expect(correctReward(input('46'))).toBe(0);
  });

  it('format', () => {
    expect(formatReward(input('<a>46</a>'))).toBe(1);
    expect(formatReward(input(' <a> 4 6 </a> '))).toBe(1);
    expect(formatReward(input('<a>46'))).toBe(0);
    expect(formatReward(input('x<a>46</a>'))).toBe(0);
    expect(formatReward(input('<b>46</b>'))).toBe(0);
    const bare = { ...sample, tag: null };
    expect(formatReward(input('46', bare))).toBe(1);
    expect(formatReward(input('<a>46</a>', bare))).toBe(0);
  });

  it('char_match', () => {
    const s = { prompt: '{ab}=', answer: 'ba', gold: 'ba', tag: null };
    expect(charMatchReward(input('ba', s))).toBe(1);
    expect(charMatchReward(input('bb', s))).toBe(0.5);
    expect(charMatchReward(input('b', s))).toBe(0.5);
    expect(charMatchReward(input('bax', s))).toBeCloseTo(2 / 3, 12);
    expect(charMatchReward(input('', s))).toBe(0);
  });
});

describe('scoreCompletions', () => {
  it('weights and logs each function: correct w1 + format w0.5 on (1,1) and (0,1) -> [1.5, 0.5]', () => {
    const r = scoreCompletions(weightedRewards(['correct', 'format'], [1, 0.5]), [
      input('<a>46</a>'),
      input('<a>7</a>'),
    ]);
    expect(Array.from(r.rewards)).toEqual([1.5, 0.5]);
    expect(r.metrics).toEqual({ 'rewards/correct/mean': 0.5, 'rewards/format/mean': 1 });
    expect(r.errors).toEqual([]);
  });

  it('isolates a function that throws, returns NaN/Infinity or a non-number, naming function and sample', () => {
    let calls = 0;
    const flaky = () => {
      calls++;
      if (calls === 2) throw new Error('boom');
      if (calls === 3) return Number.NaN;
      if (calls === 4) return Number.POSITIVE_INFINITY;
      if (calls === 5) return '1' as unknown as number;
      return 0.25;
    };
    const funcs = [...weightedRewards(['correct'], null), { name: 'user_fn', weight: 2, fn: flaky }];
    const inputs = [1, 2, 3, 4, 5].map(() => input('<a>46</a>'));
    const r = scoreCompletions(funcs, inputs);
    expect(r.errors.map((e) => [e.fn, e.sample])).toEqual([
      ['user_fn', 1],
      ['user_fn', 2],
      ['user_fn', 3],
      ['user_fn', 4],
    ]);
    expect(r.errors[0].message).toBe('threw: boom');
    expect(r.errors[1].message).toBe('returned NaN, not a finite number');
    expect(r.errors[3].message).toBe('returned string, not a finite number');
    expect(r.rewards[0]).toBe(1 + 2 * 0.25);
    expect(Number.isNaN(r.rewards[1])).toBe(true);
    expect(r.perFunction.user_fn).toEqual([0.25, null, null, null, null]);
    expect(r.perFunction.correct).toEqual([1, 1, 1, 1, 1]);
    expect(r.metrics['rewards/user_fn/mean']).toBe(0.25);
  });

  it('refuses mismatched weights and duplicate names', () => {
    expect(() => weightedRewards(['correct'], [1, 2])).toThrow(/2 entries for 1/);
    expect(() => scoreCompletions(weightedRewards(['correct', 'correct'], null), [])).toThrow(/twice/);
  });
});
