import { describe, expect, it } from 'vitest';
import { createRng } from '../../engine/rl/random.js';
import { createTask, type DatasetRow, drawSample, taskOptions } from '../../engine/tasks/index.js';
import {
  datasetDropHint,
  datasetTaskFor,
  localDatasetName,
  missingLocalDataset,
  readDatasetFile,
  replayHint,
  rowsForConfig,
  summarizeDataset,
} from './dataset-store.js';

const sums = (n: number): DatasetRow[] =>
  Array.from({ length: n }, (_, i) => ({ prompt: `${100 + i}+${7 * i}=`, answer: String(100 + 8 * i) }));
const jsonl = (rows: DatasetRow[]) => rows.map((r) => JSON.stringify(r)).join('\n');

describe('a dropped JSONL dataset', () => {
  it('a good file becomes rows under local:<file name>; a bad one lists every bad line', () => {
    const good = readDatasetFile('sums.jsonl', `${jsonl(sums(3))}\n\n{"prompt":"x","answer":4}\n`);
    expect(good.ok && good.dataset.source).toBe('local:sums.jsonl');
    expect(good.ok && good.dataset.rows.at(-1)).toEqual({ prompt: 'x', answer: '4' });
    const bad = readDatasetFile('bad.jsonl', '{"prompt":"a","answer":"b"}\nnot json\n{"prompt":""}\n[1]');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.refused.fileName).toBe('bad.jsonl');
      expect(bad.refused.errors.map((e) => e.split(':')[0])).toEqual(['line 2', 'line 3', 'line 4']);
    }
    expect(readDatasetFile('empty.jsonl', '\n\n').ok).toBe(false);
  });

  it('makes a valid dataset task, keeping a dataset task’s match, tag and held-out fraction', () => {
    const fresh = datasetTaskFor({ name: 'addition', digits: 3 }, 'local:a.jsonl');
    expect(fresh).toEqual({
      name: 'dataset',
      source: 'local:a.jsonl',
      match: 'exact',
      tag: null,
      held_out_fraction: 0.1,
    });
    expect(taskOptions.safeParse(fresh).success).toBe(true);
    const kept = datasetTaskFor(
      { name: 'dataset', source: 'local:old.jsonl', match: 'numeric', tag: 'a', held_out_fraction: 0.3 },
      'local:new.jsonl',
    );
    expect(kept).toEqual({
      name: 'dataset',
      source: 'local:new.jsonl',
      match: 'numeric',
      tag: 'a',
      held_out_fraction: 0.3,
    });
    // a value being edited that does not validate is dropped, not allowed to block the drop
    expect(
      datasetTaskFor({ name: 'dataset', source: 's', held_out_fraction: 2 }, 'local:b.jsonl')
        .held_out_fraction,
    ).toBe(0.1);
  });

  it('counts as held out exactly the rows the engine draws for evaluation', () => {
    const rows = sums(60);
    const fraction = 0.25;
    const s = summarizeDataset(rows, fraction);
    const task = createTask(
      { name: 'dataset', source: 'local:x', match: 'exact', tag: null, held_out_fraction: fraction },
      { rows },
    );
    const rng = createRng(7);
    const evalPrompts = new Set(
      Array.from({ length: 3000 }, () => drawSample(task, rng, 'eval', fraction).prompt),
    );
    const trainPrompts = new Set(
      Array.from({ length: 3000 }, () => drawSample(task, rng, 'train', fraction).prompt),
    );
    expect(s.rows).toBe(60);
    expect(s.heldOut).toBe(evalPrompts.size);
    expect(evalPrompts.size + trainPrompts.size).toBe(60);
    expect(s.heldOut).toBeGreaterThan(0);
    expect(s.examples).toHaveLength(3);
    for (const e of s.examples) expect(trainPrompts.has(e.prompt)).toBe(true);
    expect(summarizeDataset(rows, 1e-12)).toMatchObject({ heldOut: 0, examples: rows.slice(0, 3) });
  });

  it('hands rows only to a run whose task reads that local file; names a missing one', () => {
    const loaded = { fileName: 'a.jsonl', source: 'local:a.jsonl', rows: sums(2) };
    const task = (source: string) => ({ task: { name: 'dataset', source } });
    expect(rowsForConfig(task('local:a.jsonl'), loaded)).toBe(loaded.rows);
    expect(rowsForConfig(task('local:b.jsonl'), loaded)).toBeUndefined();
    expect(rowsForConfig(task('/datasets/a.jsonl'), loaded)).toBeUndefined();
    expect(rowsForConfig({ task: { name: 'addition' } }, loaded)).toBeUndefined();
    expect(missingLocalDataset(task('local:a.jsonl'), loaded)).toBeNull();
    expect(missingLocalDataset(task('local:b.jsonl'), loaded)).toBe('b.jsonl');
    expect(missingLocalDataset(task('local:my data.jsonl'), null)).toBe('my data.jsonl');
    expect(missingLocalDataset(task('https://x.org/a.jsonl'), null)).toBeNull();
    expect(missingLocalDataset(null, null)).toBeNull();
    expect(localDatasetName('local:x:y.jsonl')).toBe('x:y.jsonl');
    expect(localDatasetName('datasets/x.jsonl')).toBeNull();
  });

  it('tells a link opener to drop the file its task reads, and only then', () => {
    expect(replayHint({ task: { name: 'addition' } })).toBe('Press Start to replay the run.');
    expect(replayHint({ task: { name: 'dataset', source: '/datasets/a.jsonl' } })).toBe(
      'Press Start to replay the run.',
    );
    expect(datasetDropHint({ task: { name: 'dataset', source: '/datasets/a.jsonl' } })).toBeNull();
    expect(replayHint({ task: { name: 'dataset', source: 'local:a.jsonl' } })).toBe(
      "This link's task reads the dataset a.jsonl, which stays on the sharer's machine: drop a.jsonl here to run it (the drop zone is in the task section); then press Start.",
    );
  });
});
