/**
 * `.tabrl.json` run imports fuzzed through parseRunFile, which answers `{ok: false, error}` for
 * anything it refuses. Valid files are generated (random metrics, samples and config), then kept,
 * truncated, bit-flipped, or given fields of the wrong type; a valid file must also round-trip exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRunFile, parseRunFile, serializeRunFile } from '../../../app/state/run-file.js';
import type { StepMetrics, StepSamples } from '../../../engine/train/session-types.js';
import { family, fuzzParser, fuzzTimeout, refusedWith } from './harness.js';
import { mutatedJsonText, mutatedText, randomText } from './mutate.js';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const metricRow: fc.Arbitrary<StepMetrics> = fc
  .tuple(
    fc.nat(10_000),
    fc.dictionary(
      fc.oneof(fc.constantFrom('reward', 'kl', 'loss', 'eval/pass@1'), fc.string({ maxLength: 10 })),
      fc.oneof(finite, fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY)),
      { maxKeys: 6 },
    ),
  )
  .map(([step, values]) => {
    const row: Record<string, number> = {};
    for (const [k, v] of Object.entries(values)) if (k !== 'step' && k !== '__proto__') row[k] = v;
    return { ...row, step } as StepMetrics;
  });

const completion = fc.record(
  {
    text: fc.string({ maxLength: 20 }),
    reward: finite,
    rewards: fc.dictionary(
      fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'),
      finite,
      { maxKeys: 3 },
    ),
    advantage: finite,
    length: fc.nat(64),
    truncated: fc.boolean(),
    tokens: fc.array(fc.nat(50_000), { maxLength: 8 }),
    logprobs: fc.array(finite, { maxLength: 8 }),
    entropies: fc.array(finite, { maxLength: 8 }),
    pieces: fc.array(fc.string({ maxLength: 4 }), { maxLength: 8 }),
  },
  {
    requiredKeys: [
      'text',
      'reward',
      'rewards',
      'advantage',
      'length',
      'truncated',
      'tokens',
      'logprobs',
      'entropies',
    ],
  },
);
const stepSamples: fc.Arbitrary<StepSamples> = fc.record({
  step: fc.nat(10_000),
  groups: fc.array(
    fc.record(
      {
        prompt: fc.string({ maxLength: 16 }),
        rendered_prompt: fc.string({ maxLength: 24 }),
        completions: fc.array(completion, { maxLength: 3 }),
      },
      { requiredKeys: ['prompt', 'completions'] },
    ),
    { maxLength: 3 },
  ),
});

const runFile = fc
  .record({
    name: fc.string({ maxLength: 40 }),
    createdAt: fc.integer({ min: 0, max: 4_000_000_000_000 }),
    config: fc.jsonValue({ maxDepth: 3 }),
    metrics: fc.array(metricRow, { maxLength: 12 }),
    samples: fc.array(stepSamples, { maxLength: 3 }),
  })
  .map(buildRunFile);

const texts = fc.oneof(
  family('random text', randomText()),
  family('valid file', runFile.map(serializeRunFile)),
  family(
    'valid file, text mutated',
    runFile.chain((f) => mutatedText(serializeRunFile(f))),
  ),
  family(
    'valid file, JSON fields mutated',
    runFile.chain((f) => mutatedJsonText(JSON.parse(serializeRunFile(f)))),
  ),
);

describe('fuzz: .tabrl.json run files', () => {
  it(
    'every file imports or is refused with a message naming the field',
    () => {
      const report = fuzzParser('run file', texts, (text) => {
        const r = parseRunFile(text);
        return r.ok ? 'parsed' : refusedWith(r.error);
      });
      expect(report.families['valid file'].refused).toBe(0);
    },
    fuzzTimeout(),
  );

  it('a valid file round-trips exactly (metrics bit-exact, rendered prompts kept)', () => {
    fc.assert(
      fc.property(runFile, (file) => {
        const r = parseRunFile(serializeRunFile(file));
        if (!r.ok) throw new Error(r.error);
        expect(JSON.parse(serializeRunFile(r.file))).toEqual(JSON.parse(serializeRunFile(file)));
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('regression: a config nested 20,000 levels deep is refused, not a stack overflow', () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const text = `{"format":"tabrl-run","version":1,"name":"a","created_at":"","config":${deep},"metrics":[],"samples":[]}`;
    const r = parseRunFile(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/nests more than \d+ levels/);
  });

  it('regression: rendered_prompt (a chat-templated prompt) survives an import; zod used to strip it', () => {
    const samples = [
      { step: 1, groups: [{ prompt: '1+1=', rendered_prompt: '<|user|>1+1=', completions: [] }] },
    ];
    const file = buildRunFile({ name: 'a', createdAt: 0, config: {}, metrics: [], samples });
    const r = parseRunFile(serializeRunFile(file));
    expect(r.ok && r.file.samples[0].groups[0].rendered_prompt).toBe('<|user|>1+1=');
  });
});
