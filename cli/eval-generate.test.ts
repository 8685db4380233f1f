/**
 * `tabrl eval` and `tabrl generate` on checkpoint folders the test writes itself (a smoke-preset policy
 * saved with and without trainer state), and on the shipped arithmetic warm start, where greedy
 * accuracy is not zero: the greedy accuracy `eval` reports must equal what `generate --greedy` answers
 * on the same held-out prompts, scored independently here with the task's own checker.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPreset } from '../engine/config/presets.js';
import { parseRunConfig } from '../engine/config/resolve.js';
import { nodeCheckpointFs } from '../engine/model/checkpoint-node.js';
import { createRng } from '../engine/rl/random.js';
import { createTask, heldOutSet } from '../engine/tasks/index.js';
import { createTrainingSession } from '../engine/train/session.js';
import { testRuntime } from '../kernels/testing/gpu.js';
import { run as evalRun } from './commands/eval.js';
import { type GeneratedCompletion, run as generateRun, parsePromptsFile } from './commands/generate.js';

// the commands on the test's shared runtime, so the kernels compile once for the file
const gen = async (argv: string[]) => generateRun(argv, await testRuntime());
const ev = async (argv: string[]) => evalRun(argv, await testRuntime());

let dir: string;
const smoke = () => {
  const parsed = parseRunConfig(findPreset('smoke').config);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
};

type GenerateJson = { prompt: string; completions: GeneratedCompletion[] }[];
const readJson = async <T>(name: string) => JSON.parse(await readFile(join(dir, name), 'utf8')) as T;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tabrl-eval-gen-'));
  const session = await createTrainingSession(await testRuntime(), smoke());
  await session.saveCheckpoint(nodeCheckpointFs(join(dir, 'run', 'checkpoint')));
  session.dispose();
  await mkdir(join(dir, 'plain'));
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'])
    await copyFile(join(dir, 'run', 'checkpoint', f), join(dir, 'plain', f));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tabrl eval', () => {
  it('evaluates a run folder under the config saved in its trainer state', async () => {
    const code = await ev([
      '--model',
      join(dir, 'run'),
      '--prompts',
      '3',
      '--samples',
      '3',
      '--json',
      join(dir, 'eval.json'),
    ]);
    expect(code).toBe(0);
    const report = await readJson<{
      prompts: number;
      samples: number;
      k: number;
      task: unknown;
      adapter: string;
      metrics: Record<string, number>;
    }>('eval.json');
    const config = smoke();
    const fraction = config.task.held_out_fraction ?? 0.1;
    const expected = heldOutSet(createTask(config.task), createRng(config.seed).split('eval'), 3, fraction);
    expect(report.prompts).toBe(expected.length);
    expect(report.samples).toBe(3);
    expect(report.k).toBe(Math.min(config.eval_k, 3));
    expect(report.task).toEqual(config.task);
    expect(report.adapter.length).toBeGreaterThan(0);
    for (const key of ['eval/reward', 'eval/pass@1', 'eval/pass@k', 'eval/greedy']) {
      expect(report.metrics[key], key).toBeGreaterThanOrEqual(0);
      expect(report.metrics[key], key).toBeLessThanOrEqual(1);
    }
    expect(report.metrics['eval/pass@k']).toBeGreaterThanOrEqual(report.metrics['eval/pass@1']);
  });

  it('asks for --preset or --config when the folder has no trainer state', async () => {
    await expect(ev(['--model', join(dir, 'plain')])).rejects.toThrow(/--preset or --config/);
    await expect(ev(['--model', join(dir, 'missing'), '--preset', 'smoke'])).rejects.toThrow(
      /no checkpoint folder/,
    );
    await expect(
      ev(['--model', join(dir, 'plain'), '--preset', 'smoke', '--samples', '2', '--k', '3']),
    ).rejects.toThrow(/eval_k/);
  });
});

describe('tabrl generate', () => {
  it('samples n completions per prompt, replays with the same seed, honours --max-new-tokens', async () => {
    const args = ['--model', join(dir, 'plain'), '--prompt', '{01}=', '--prompt', '{20}=', '--samples', '3'];
    expect(await gen([...args, '--seed', '7', '--json', join(dir, 'a.json')])).toBe(0);
    expect(await gen([...args, '--seed', '7', '--json', join(dir, 'b.json')])).toBe(0);
    const a = await readJson<GenerateJson>('a.json');
    expect(a.map((r) => r.prompt)).toEqual(['{01}=', '{20}=']);
    for (const row of a) {
      expect(row.completions).toHaveLength(3);
      for (const c of row.completions) {
        expect(c.logprobs).toHaveLength(c.tokens.length);
        for (const lp of c.logprobs) expect(lp).toBeLessThanOrEqual(1e-6);
      }
    }
    expect(await readJson<GenerateJson>('b.json')).toEqual(a);

    await gen([...args, '--max-new-tokens', '2', '--json', join(dir, 'short.json')]);
    for (const row of await readJson<GenerateJson>('short.json')) {
      for (const c of row.completions) {
        expect(c.tokens.length).toBeLessThanOrEqual(2);
        if (c.tokens.length < 2) expect(c.truncated).toBe(false);
      }
    }
  });

  it('reads a prompts file of plain and JSON lines', () => {
    expect(parsePromptsFile('1+2=\n\n{"prompt": "3+4="}\r\n5+6=\n')).toEqual(['1+2=', '3+4=', '5+6=']);
    expect(() => parsePromptsFile('{"text": "x"}')).toThrow(/prompt/);
  });
});

describe('the shipped arithmetic warm start', () => {
  it('has the greedy accuracy on held-out prompts that generate --greedy gives', async () => {
    const PROMPTS = 16;
    const code = await ev([
      '--model',
      '/models/arithmetic-sft',
      '--preset',
      'arithmetic',
      '--prompts',
      String(PROMPTS),
      '--samples',
      '1',
      '--json',
      join(dir, 'warm.json'),
    ]);
    expect(code).toBe(0);
    const report = await readJson<{ metrics: Record<string, number> }>('warm.json');
    const parsed = parseRunConfig(findPreset('arithmetic').config);
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const config = parsed.config;
    const task = createTask(config.task);
    const held = heldOutSet(task, createRng(config.seed).split('eval'), PROMPTS, 0.1);
    const prompts = held.flatMap((s) => ['--prompt', s.prompt]);
    const maxNew = String(config.max_completion_length);
    await gen([
      '--model',
      '/models/arithmetic-sft',
      ...prompts,
      '--greedy',
      '--max-new-tokens',
      maxNew,
      '--json',
      join(dir, 'greedy.json'),
    ]);
    const answers = await readJson<GenerateJson>('greedy.json');
    const correct = held.filter((s, i) => task.isCorrect(s, answers[i].completions[0].text)).length;
    expect(correct, 'the warm start should be right on some held-out sums').toBeGreaterThan(0);
    expect(report.metrics['eval/greedy']).toBeCloseTo(correct / PROMPTS, 10);
  });
});

describe('the shipped sorting warm start', () => {
  it('is the one the sorting card and docs/RESULTS.md describe: greedy right on 153 of its 200 held-out prompts', async () => {
    const t0 = performance.now();
    const code = await ev([
      '--model',
      '/models/sorting-small-sft',
      '--preset',
      'sorting',
      '--prompts',
      '200',
      '--samples',
      '1',
      '--json',
      join(dir, 'sorting-warm.json'),
    ]);
    expect(code).toBe(0);
    const report = await readJson<{ metrics: Record<string, number> }>('sorting-warm.json');
    console.log(
      `sorting warm start: ${JSON.stringify(report.metrics)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    // greedy decoding: 0.765 in the card's text and the warm-start table (153 / 200)
    expect(report.metrics['eval/greedy']).toBeCloseTo(0.765, 10);
    expect(findPreset('sorting').description).toContain('76.5% greedily');
  });
});
