import { describe, expect, it } from 'vitest';
import { bestVerdict, bootstrapStderr, pairVerdict, sweepVerdict } from './verdict';

describe('bootstrapStderr', () => {
  it('[0, 1]: means 0, ½, 1 with probabilities ¼, ½, ¼, so the error is √(1/8) ≈ 0.354', () => {
    const se = bootstrapStderr([0, 1], 0, 20000);
    expect(se).toBeGreaterThan(0.354 - 0.01);
    expect(se).toBeLessThan(0.354 + 0.01);
  });

  it('matches the plug-in error σ/√n of 100 alternating 0/1 values (0.05) and replays by seed', () => {
    const values = Array.from({ length: 100 }, (_, i) => i % 2);
    const se = bootstrapStderr(values, 3);
    expect(Math.abs(se - 0.05)).toBeLessThan(0.005);
    expect(bootstrapStderr(values, 3)).toBe(se);
    expect(bootstrapStderr(values, 4)).not.toBe(se);
  });

  it('is 0 for constant values and for one value; refuses empty input', () => {
    expect(bootstrapStderr([0.5, 0.5, 0.5], 0)).toBe(0);
    expect(bootstrapStderr([0.7], 0)).toBe(0);
    expect(() => bootstrapStderr([], 0)).toThrow(/no values/);
  });
});

describe('pairVerdict', () => {
  const v = (value: number, stderr: number) => ({ value, stderr });
  it('judges the gap against 2·sqrt(se_a² + se_b²) (hand-computed: 2·0.05 = 0.1; gaps 0.11 and 0.05)', () => {
    expect(pairVerdict(v(0.31, 0.03), v(0.2, 0.04), 1)).toBe('reproduced');
    expect(pairVerdict(v(0.31, 0.03), v(0.2, 0.04), -1)).toBe('not_reproduced');
    expect(pairVerdict(v(0.3, 0.03), v(0.25, 0.04), 1)).toBe('inconclusive');
    expect(pairVerdict(v(0.2, 0.04), v(0.31, 0.03), -1)).toBe('reproduced');
  });
  it('equal values are inconclusive even with zero errors', () => {
    expect(pairVerdict(v(0.5, 0), v(0.5, 0), 1)).toBe('inconclusive');
    expect(pairVerdict(v(0.6, 0), v(0.5, 0), 1)).toBe('reproduced');
  });
});

describe('sweepVerdict', () => {
  const arms = (...xs: number[]) => xs.map((value) => ({ value, stderr: 0.01 }));
  it('a rise beyond noise reproduces; a wrong-way step beyond noise does not', () => {
    expect(sweepVerdict(arms(0.1, 0.2, 0.4), 1)).toBe('reproduced');
    expect(sweepVerdict(arms(0.1, 0.4, 0.2), 1)).toBe('not_reproduced');
    expect(sweepVerdict(arms(0.4, 0.2, 0.1), 1)).toBe('not_reproduced');
    expect(sweepVerdict(arms(0.4, 0.2, 0.1), -1)).toBe('reproduced');
  });
  it('steps within noise do not break a trend; ends within noise are inconclusive', () => {
    expect(sweepVerdict(arms(0.1, 0.09, 0.3), 1)).toBe('reproduced');
    expect(sweepVerdict(arms(0.1, 0.11, 0.12), 1)).toBe('inconclusive');
    expect(() => sweepVerdict(arms(0.1), 1)).toThrow(/at least 2/);
  });
});

describe('bestVerdict', () => {
  const arm = (value: number) => ({ value, stderr: 0.01 });
  it('above every other beyond noise reproduces; one within noise is inconclusive; one the wrong way is not', () => {
    // bar 2·√2·0.01 = 0.0283: 0.5 − 0.3 and 0.5 − 0.45 both clear it
    expect(bestVerdict(arm(0.5), [arm(0.3), arm(0.45)], 1)).toBe('reproduced');
    expect(bestVerdict(arm(0.5), [arm(0.3), arm(0.49)], 1)).toBe('inconclusive');
    expect(bestVerdict(arm(0.5), [arm(0.3), arm(0.6)], 1)).toBe('not_reproduced');
    expect(bestVerdict(arm(0.1), [arm(0.3), arm(0.6)], -1)).toBe('reproduced');
    expect(() => bestVerdict(arm(0.1), [], 1)).toThrow(/at least one/);
  });
});
