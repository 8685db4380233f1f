/**
 * The config panel's form comes from the RunConfig schema: sft_loss is a choice of ce, dft and asft
 * next to sft_steps, its help naming both papers by title, and anchor_beta a number field beside it.
 */
import { describe, expect, it } from 'vitest';
import { optionGroups } from './config-fields.js';

describe('config panel fields', () => {
  it('sft_loss and anchor_beta sit with sft_steps, the papers named in the help', () => {
    const optimizer = optionGroups().find((g) => g.title === 'Optimizer');
    const names = optimizer?.fields.map((f) => f.name) ?? [];
    expect(names.slice(names.indexOf('sft_steps'))).toEqual(['sft_steps', 'sft_loss', 'anchor_beta']);
    const sftLoss = optimizer?.fields.find((f) => f.name === 'sft_loss');
    expect(sftLoss?.field).toEqual({ kind: 'enum', options: ['ce', 'dft', 'asft'] });
    expect(sftLoss?.help).toContain(
      'On the Generalization of SFT: A Reinforcement Learning Perspective with Reward Rectification',
    );
    expect(sftLoss?.help).toContain('Anchored Supervised Fine-Tuning');
    const beta = optimizer?.fields.find((f) => f.name === 'anchor_beta');
    expect(beta?.field).toMatchObject({ kind: 'number', integer: false, min: 0 });
  });
});
