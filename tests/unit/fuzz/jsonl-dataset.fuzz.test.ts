/**
 * JSONL datasets fuzzed through parseJsonlDataset (`{ok: false, errors}` for refusals, one message per
 * bad line) and, when they parse, through the dataset task built on their rows: drawing a sample and
 * scoring its gold completion must not throw either. Inputs: random text, valid datasets (string and
 * numeric answers, CRLF, BOM, blank lines), and the same with lines mutated or fields of the wrong type.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../engine/rl/random.js';
import { createTask, parseJsonlDataset } from '../../../engine/tasks/index.js';
import { datasetOptions } from '../../../engine/tasks/options.js';
import { family, fuzzParser, fuzzTimeout, refusedWith } from './harness.js';
import { mutatedJsonText, mutatedText, randomText } from './mutate.js';

const row = fc.record({
  prompt: fc.string({ minLength: 1, maxLength: 30 }),
  answer: fc.oneof(
    fc.string({ maxLength: 10 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
  ),
});
const rows = fc.array(row, { minLength: 1, maxLength: 20 });
const layout = fc.record({
  crlf: fc.boolean(),
  bom: fc.boolean(),
  blankEvery: fc.integer({ min: 0, max: 5 }),
});

function jsonl(lines: readonly string[], l: { crlf: boolean; bom: boolean; blankEvery: number }): string {
  const out: string[] = [];
  lines.forEach((line, i) => {
    out.push(line);
    if (l.blankEvery > 0 && i % l.blankEvery === 0) out.push('  ');
  });
  return (l.bom ? '\uFEFF' : '') + out.join(l.crlf ? '\r\n' : '\n');
}

const validText = fc.tuple(rows, layout).map(([r, l]) =>
  jsonl(
    r.map((x) => JSON.stringify(x)),
    l,
  ),
);
const lineMutated = fc.tuple(rows, layout, fc.nat()).chain(([r, l, at]) =>
  mutatedJsonText(r[at % r.length]).map((bad) => {
    const lines = r.map((x) => JSON.stringify(x));
    lines[at % r.length] = bad;
    return jsonl(lines, l);
  }),
);

const texts = fc.oneof(
  family('random text', randomText()),
  family(
    'random JSON lines',
    fc.array(fc.json({ maxDepth: 3 }), { maxLength: 10 }).map((l) => l.join('\n')),
  ),
  family('valid dataset', validText),
  family('valid dataset, text mutated', validText.chain(mutatedText)),
  family('valid dataset, one line given wrong fields', lineMutated),
);

const tasks = (['exact', 'numeric'] as const).flatMap((match) =>
  [null, 'a'].map((tag) => datasetOptions.parse({ name: 'dataset', source: 'fuzz.jsonl', match, tag })),
);

describe('fuzz: JSONL datasets', () => {
  it(
    'every dataset parses (and its task draws and scores) or is refused with a message per bad line',
    () => {
      const rng = createRng(1);
      const report = fuzzParser('JSONL dataset', texts, (text) => {
        const r = parseJsonlDataset(text);
        if (!r.ok) return refusedWith(r.errors);
        for (const options of tasks) {
          const task = createTask(options, { rows: r.rows });
          const sample = task.draw(rng);
          task.isCorrect(sample, sample.gold);
        }
        return 'parsed';
      });
      expect(report.families['valid dataset'].refused).toBe(0);
    },
    fuzzTimeout(),
  );
});
