/**
 * The config panel's form comes from the RunConfig schema: sft_loss is a choice of ce, dft and asft
 * in "Methods from the papers", its help naming both papers by title and both linked, and anchor_beta
 * a number field beside it; sft_targets (a choice) and freeze (JSON, as lora) follow with their papers.
 */
import { describe, expect, it } from 'vitest';
import { PAPERS } from '../../../engine/papers.js';
import { METHODS_GROUP, optionGroups } from './config-fields.js';

describe('config panel fields', () => {
  it('sft_loss and anchor_beta sit in "Methods from the papers", the papers named in the help and linked', () => {
    const methods = optionGroups().find((g) => g.title === METHODS_GROUP);
    const names = methods?.fields.map((f) => f.name) ?? [];
    expect(names.slice(0, 2)).toEqual(['sft_loss', 'anchor_beta']);
    const sftLoss = methods?.fields.find((f) => f.name === 'sft_loss');
    expect(sftLoss?.field).toEqual({ kind: 'enum', options: ['ce', 'dft', 'asft'] });
    expect(sftLoss?.help).toContain(
      'On the Generalization of SFT: A Reinforcement Learning Perspective with Reward Rectification',
    );
    expect(sftLoss?.help).toContain('Anchored Supervised Fine-Tuning');
    expect(sftLoss?.papers?.map((p) => p.title)).toEqual([PAPERS.dft.title, PAPERS.asft.title]);
    expect(sftLoss?.papers?.every((p) => p.url.startsWith('https://'))).toBe(true);
    const beta = methods?.fields.find((f) => f.name === 'anchor_beta');
    expect(beta?.field).toMatchObject({ kind: 'number', integer: false, min: 0 });
  });

  it('sft_targets, prefix_sampling and freeze join them, each with its paper in the help and linked', () => {
    const methods = optionGroups().find((g) => g.title === METHODS_GROUP);
    const field = (name: string) => methods?.fields.find((f) => f.name === name);
    expect(methods?.fields.map((f) => f.name)).toEqual([
      'sft_loss',
      'anchor_beta',
      'sft_targets',
      'prefix_sampling',
      'relift',
      'freeze',
      'guidance_weight',
    ]);
    expect(field('sft_targets')?.field).toEqual({ kind: 'enum', options: ['gold', 'self_when_correct'] });
    expect(field('sft_targets')?.help).toContain(PAPERS.s3ft.title);
    expect(field('sft_targets')?.papers).toEqual([PAPERS.s3ft]);
    // an object or null, edited as JSON like lora: {"fraction": 0.5}
    expect(field('freeze')?.field).toEqual({ kind: 'json' });
    expect(field('freeze')?.help).toContain(PAPERS.hft.title);
    expect(field('freeze')?.papers).toEqual([PAPERS.hft]);
    // {"fraction": 0.5, "min_ratio": 0.05, "max_ratio": 0.95, "decay": "cosine"} or null
    expect(field('prefix_sampling')?.field).toEqual({ kind: 'json' });
    expect(field('prefix_sampling')?.help).toContain(PAPERS.prefixRft.title);
    expect(field('prefix_sampling')?.papers).toEqual([PAPERS.prefixRft]);
  });

  it('guidance_weight sits in "Methods from the papers", a number in [0, 2], its paper named and linked', () => {
    const methods = optionGroups().find((g) => g.title === METHODS_GROUP);
    const field = methods?.fields.find((f) => f.name === 'guidance_weight');
    expect(field?.field).toMatchObject({ kind: 'number', integer: false, min: 0, max: 2 });
    expect(field?.help).toContain(PAPERS.rlGuidance.title);
    expect(field?.papers?.map((p) => p.title)).toEqual([PAPERS.rlGuidance.title]);
  });

  it('stages and eval_tasks are JSON fields in a "Stages" group, their help from the schema', () => {
    const group = optionGroups().find((g) => g.title === 'Stages');
    expect(group?.fields.map((f) => [f.name, f.field.kind])).toEqual([
      ['stages', 'json'],
      ['eval_tasks', 'json'],
    ]);
    expect(group?.fields[0].help).toContain('max_steps = the sum of steps');
    expect(group?.fields[1].help).toContain('eval/<label>/pass@1');
  });
});
