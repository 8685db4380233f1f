import { describe, expect, it } from 'vitest';
import type { StepMetrics, StepSamples } from '../../engine/train/session-types.js';
import { buildRunFile, metricsToCsv, metricsToJsonl, parseRunFile, serializeRunFile } from './run-file.js';

const samples: StepSamples[] = [
  {
    step: 1,
    groups: [
      {
        prompt: '2+3=',
        completions: [
          {
            text: '<b>html</b>',
            reward: 0,
            rewards: { correct: 0 },
            advantage: -Math.SQRT1_2,
            length: 11,
            truncated: false,
            tokens: [1, 2],
            logprobs: [-0.1, -2.5],
            entropies: [0.3, 1.2],
            pieces: ['<b>', 'html</b>'],
          },
        ],
      },
    ],
  },
];

describe('run files', () => {
  it('round-trips metrics bit-exactly, non-finite values included, and samples', () => {
    const metrics: StepMetrics[] = [
      { step: 1, reward: 0.1 + 0.2, kl: 1e-300, loss: Number.NaN },
      { step: 2, reward: 1 / 3, 'rewards/correct/mean': 0.25 },
    ];
    const text = serializeRunFile(
      buildRunFile({ name: 'a', createdAt: 0, config: { seed: 7 }, metrics, samples }),
    );
    const back = parseRunFile(text);
    if (!back.ok) throw new Error(back.error);
    expect(back.file.metrics[0].reward).toBe(0.1 + 0.2);
    expect(back.file.metrics[0].kl).toBe(1e-300);
    expect(back.file.metrics[0].loss).toBeNaN();
    expect(back.file.metrics[1]).toEqual(metrics[1]);
    expect(back.file.samples).toEqual(samples);
    expect(back.file.config).toEqual({ seed: 7 });
  });

  it('says which field is wrong in a bad file', () => {
    expect(parseRunFile('{')).toEqual({ ok: false, error: expect.stringMatching(/not JSON/) });
    const r = parseRunFile(
      JSON.stringify({
        format: 'tabrl-run',
        version: 1,
        name: 'x',
        created_at: '',
        config: {},
        metrics: [{ step: 'one' }],
        samples: [],
      }),
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/metrics\.0\.step/);
    const v = parseRunFile(JSON.stringify({ format: 'other' }));
    if (v.ok) throw new Error('accepted');
    expect(v.error).toMatch(/format/);
  });

  it('writes CSV with a column per metric and blanks for missing values, and JSONL', () => {
    const rows: StepMetrics[] = [
      { step: 1, reward: 0.5 },
      { step: 2, reward: 0.75, 'eval/pass@1': 0.5 },
    ];
    expect(metricsToCsv(rows)).toBe('step,eval/pass@1,reward\n1,,0.5\n2,0.5,0.75\n');
    expect(
      metricsToJsonl(rows)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(rows);
  });
});
