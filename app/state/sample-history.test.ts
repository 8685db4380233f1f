import { describe, expect, it } from 'vitest';
import type { StepSamples } from '../../engine/train/session-types.js';
import { capSamples, isThinned, SAMPLE_CAP, THINNED_EVERY } from './sample-history.js';

/** A step with `n` completions in one group. */
function step(s: number, n: number): StepSamples {
  const c = {
    text: 'x',
    reward: 0,
    rewards: {},
    advantage: 0,
    length: 1,
    truncated: false,
    tokens: [1],
    logprobs: [0],
    entropies: [0],
  };
  return { step: s, groups: [{ prompt: 'p', completions: Array.from({ length: n }, () => c) }] };
}

describe('sample history cap', () => {
  it('keeps every step under the cap', () => {
    const rows = Array.from({ length: 50 }, (_, s) => step(s, 64));
    expect(capSamples(rows)).toBe(rows);
    expect(isThinned(rows)).toBe(false);
  });

  it('past the cap keeps the newest half whole and every tenth step before it', () => {
    const per = 512;
    const steps = Math.ceil(SAMPLE_CAP / per) + 40; // 158 steps of 512: over the cap
    const kept = capSamples(Array.from({ length: steps }, (_, s) => step(s, per)));
    const whole = Math.floor(SAMPLE_CAP / 2 / per); // newest steps within half the cap
    const recent = kept.slice(-whole).map((r) => r.step);
    expect(recent).toEqual(Array.from({ length: whole }, (_, i) => steps - whole + i));
    const older = kept.slice(0, -whole).map((r) => r.step);
    expect(older.every((s) => s % THINNED_EVERY === 0)).toBe(true);
    expect(older[0]).toBe(0);
    expect(kept.reduce((n, r) => n + r.groups[0].completions.length, 0)).toBeLessThanOrEqual(SAMPLE_CAP);
    expect(isThinned(kept)).toBe(true);
  });
});
