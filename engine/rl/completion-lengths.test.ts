import { describe, expect, it } from 'vitest';
import { incorrectMeanLength } from './completion-lengths.js';

describe('completions/incorrect_mean_length', () => {
  it('is the mean length of the incorrect completions only (hand-computed)', () => {
    expect(incorrectMeanLength([3, 5, 8], [true, false, false])).toBe(6.5);
    expect(incorrectMeanLength([2, 9], [false, true])).toBe(2);
    expect(incorrectMeanLength([4, 4], [true, true])).toBeUndefined();
    expect(incorrectMeanLength([], [])).toBeUndefined();
    expect(() => incorrectMeanLength([1], [])).toThrow(/1 lengths but 0 verdicts/);
  });
});
