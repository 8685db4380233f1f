import { describe, expect, it } from 'vitest';
import { distinctFraction } from './diversity.js';

describe('completions/distinct_fraction', () => {
  it('is the mean over groups of distinct texts / group size (hand-computed)', () => {
    expect(
      distinctFraction([
        ['a', 'a', 'b', 'c'],
        ['x', 'x', 'x', 'x'],
      ]),
    ).toBe(0.5);
    expect(distinctFraction([['12', '12 ', '12']])).toBeCloseTo(2 / 3, 15); // texts compared as written
    expect(distinctFraction([['a', 'b']])).toBe(1);
    expect(distinctFraction([])).toBe(0);
  });
});
