import { describe, expect, it } from 'vitest';
import { ALGORITHMS } from '../config/schema';
import { stepKind } from './step-kind';

describe('stepKind', () => {
  it('sft_steps of SFT first, then each algorithm its own kind; sft is SFT throughout', () => {
    const kinds = (algorithm: (typeof ALGORITHMS)[number], sft_steps: number) =>
      [0, 1, 2, 3].map((s) => stepKind({ algorithm, sft_steps }, s));
    expect(kinds('grpo', 2)).toEqual(['sft', 'sft', 'rl', 'rl']);
    expect(kinds('ppo', 0)).toEqual(['rl', 'rl', 'rl', 'rl']);
    expect(kinds('rft', 1)).toEqual(['sft', 'rft', 'rft', 'rft']);
    expect(kinds('sft', 0)).toEqual(['sft', 'sft', 'sft', 'sft']);
    expect(kinds('sft', 2)).toEqual(['sft', 'sft', 'sft', 'sft']);
    for (const a of ALGORITHMS) {
      const after = stepKind({ algorithm: a, sft_steps: 1 }, 1);
      expect(after, a).toBe(a === 'sft' ? 'sft' : a === 'rft' ? 'rft' : 'rl');
    }
  });
});
