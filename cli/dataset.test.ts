/**
 * `dataset` tasks in the CLI: task.source as a path, an http URL or a lab-only `local:` name; bad
 * lines refused together with their numbers; and a real `tabrl train` child process on the
 * machine's WebGPU whose samples are the file's prompts, scored against the file's answers.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetConfig, resolveRunConfig } from '../engine/config/index.js';
import { ROOT, tabrl } from './cli-run.testing.js';
import { loadDatasetRows } from './lib/dataset.js';

const ROWS = Array.from({ length: 40 }, (_, i) => ({
  prompt: `${i % 10}+${(i * 7) % 10}=`,
  answer: (i % 10) + ((i * 7) % 10),
}));
const JSONL = `${ROWS.map((r) => JSON.stringify(r)).join('\n')}\n`;

let dir = '';
let server: Server;
let base = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tabrl-dataset-'));
  await writeFile(join(dir, 'add.jsonl'), JSONL);
  await writeFile(join(dir, 'add-bom.jsonl'), `\uFEFF${JSONL}`);
  await writeFile(
    join(dir, 'bad.jsonl'),
    '{"prompt":"1+1=","answer":2}\nnot json\n\n{"prompt":"","answer":1}\n{"prompt":"x","answer":[1]}\n',
  );
  server = createServer((req, res) => {
    if (req.url === '/add.jsonl') res.end(JSONL);
    else res.writeHead(404).end('no');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const withSource = (source: string) =>
  resolveRunConfig({ ...presetConfig('smoke'), task: { name: 'dataset', source } });

describe('loadDatasetRows', () => {
  it('reads a path and an http URL into the same rows (numbers become strings); other tasks need none', async () => {
    const fromFile = await loadDatasetRows(withSource(join(dir, 'add.jsonl')));
    expect(fromFile).toHaveLength(40);
    expect(fromFile?.[3]).toEqual({ prompt: '3+1=', answer: '4' });
    expect(await loadDatasetRows(withSource(`${base}/add.jsonl`))).toEqual(fromFile);
    // a UTF-8 byte order mark (Windows editors) is dropped, as the lab's File.text() and fetch drop it
    expect(await loadDatasetRows(withSource(join(dir, 'add-bom.jsonl')))).toEqual(fromFile);
    expect(await loadDatasetRows(presetConfig('smoke'))).toBeUndefined();
  });

  it('reads site paths from public/ with or without the leading slash, as the lab does', async () => {
    const name = `tmp-dataset-test-${process.pid}.jsonl`;
    const shipped = join(ROOT, 'public', name);
    await writeFile(shipped, JSONL);
    try {
      const want = await loadDatasetRows(withSource(join(dir, 'add.jsonl')));
      expect(await loadDatasetRows(withSource(`/${name}`))).toEqual(want);
      expect(await loadDatasetRows(withSource(name))).toEqual(want);
    } finally {
      await rm(shipped, { force: true });
    }
  });

  it('refuses bad lines together with their numbers, a missing file, a 404 and a lab-only file', async () => {
    await expect(loadDatasetRows(withSource(join(dir, 'bad.jsonl')))).rejects.toThrow(
      /3 bad line\(s\)[\s\S]*line 2: not valid JSON[\s\S]*line 4: "prompt" must be a non-empty string[\s\S]*line 5: "answer" must be a string or a finite number/,
    );
    await expect(loadDatasetRows(withSource(join(dir, 'nope.jsonl')))).rejects.toThrow(
      /no file at .*nope\.jsonl/,
    );
    await expect(loadDatasetRows(withSource(`${base}/missing.jsonl`))).rejects.toThrow(
      /answered HTTP 404\. Check the URL/,
    );
    await expect(loadDatasetRows(withSource('local:mine.jsonl'))).rejects.toThrow(
      /"mine.jsonl" was a file dropped into the lab; give its path with --set task.source=PATH/,
    );
  });
});

describe('tabrl train on a dataset task', () => {
  it("trains on the file's prompts and scores them against its answers; a bad file stops before training", async () => {
    const out = join(dir, 'run');
    const set = ['--set', 'task.name=dataset', '--set', `task.source=${join(dir, 'add.jsonl')}`];
    const run = await tabrl([
      'train',
      '--preset',
      'smoke',
      ...set,
      '--set',
      'reward_funcs=["correct"]',
      '--steps',
      '2',
      '--out',
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const answers = new Map(ROWS.map((r) => [r.prompt, String(r.answer)]));
    const steps = (await readFile(join(out, 'samples.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            groups: { prompt: string; completions: { text: string; rewards: { correct: number } }[] }[];
          },
      );
    expect(steps).toHaveLength(2);
    for (const g of steps.flatMap((s) => s.groups)) {
      expect(answers.has(g.prompt), g.prompt).toBe(true);
      for (const c of g.completions)
        expect(c.rewards.correct).toBe(c.text.trim() === answers.get(g.prompt) ? 1 : 0);
    }
    const bad = await tabrl([
      'train',
      '--preset',
      'smoke',
      '--set',
      'task.name=dataset',
      '--set',
      `task.source=${join(dir, 'bad.jsonl')}`,
      '--out',
      join(dir, 'bad-run'),
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/line 2: not valid JSON/);
  }, 120_000);
});
