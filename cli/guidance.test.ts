/**
 * `tabrl generate --guidance w [--reference DIR]` and `tabrl eval --guidance w [--reference DIR]`
 * (docs/ALGORITHMS.md "Guidance at inference") on folders the test writes: a smoke run checkpoint A that
 * saved its θ_ref (guidance_weight 0.5), and B, other weights with A's tokenizer. w = 0 against B must
 * answer and evaluate exactly as B itself; a folder without θ_ref, another tokenizer and w out of range
 * are refused with what to do.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPreset } from '../engine/config/presets.js';
import { resolveRunConfig } from '../engine/config/resolve.js';
import { readCheckpoint, writeCheckpoint } from '../engine/model/checkpoint.js';
import { nodeCheckpointFs } from '../engine/model/checkpoint-node.js';
import { initParams } from '../engine/model/init.js';
import { createTrainingSession } from '../engine/train/session.js';
import { testRuntime } from '../kernels/testing/gpu.js';
import { rng } from '../kernels/testing/random.js';
import { run as evalRun } from './commands/eval.js';
import { type GeneratedCompletion, run as generateRun } from './commands/generate.js';

// the commands on the test's shared runtime, so the kernels compile once for the file
const gen = async (argv: string[]) => generateRun(argv, await testRuntime());
const ev = async (argv: string[]) => evalRun(argv, await testRuntime());

let dir: string;
type GenerateJson = { prompt: string; completions: GeneratedCompletion[] }[];
const readJson = async <T>(name: string) => JSON.parse(await readFile(join(dir, name), 'utf8')) as T;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tabrl-guidance-'));
  const config = resolveRunConfig({ ...findPreset('smoke').config, guidance_weight: 0.5 });
  const session = await createTrainingSession(await testRuntime(), config);
  await session.saveCheckpoint(nodeCheckpointFs(join(dir, 'A')));
  session.dispose();
  const a = await readCheckpoint(nodeCheckpointFs(join(dir, 'A')));
  const other = initParams(a.config, rng(77));
  for (const [name, v] of other) if (!/norm|ln_/.test(name)) for (let i = 0; i < v.length; i++) v[i] *= 10;
  await writeCheckpoint(nodeCheckpointFs(join(dir, 'B')), { ...a, params: other, trainerState: null });
  const tokenizer = structuredClone(a.tokenizer) as { added_tokens?: { content: string }[] };
  await writeCheckpoint(nodeCheckpointFs(join(dir, 'C')), { ...a, trainerState: null });
  const first = (tokenizer.added_tokens ?? [])[0];
  if (!first) throw new Error('the smoke tokenizer has no added token to change');
  first.content = '<|changed|>';
  await writeFile(join(dir, 'C', 'tokenizer.json'), JSON.stringify(tokenizer));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tabrl generate --guidance', () => {
  const prompts = ['--prompt', '{01}=', '--prompt', '{20}=', '--samples', '3', '--seed', '5'];

  it("w = 0 against --reference B answers exactly as B; the run's own θ_ref serves without --reference", async () => {
    const A = join(dir, 'A');
    const B = join(dir, 'B');
    await gen(['--model', B, ...prompts, '--json', join(dir, 'b.json')]);
    await gen(['--model', A, ...prompts, '--json', join(dir, 'a.json')]);
    await gen([
      '--model',
      A,
      ...prompts,
      '--guidance',
      '0',
      '--reference',
      B,
      '--json',
      join(dir, 'a0.json'),
    ]);
    const b = await readJson<GenerateJson>('b.json');
    expect(await readJson<GenerateJson>('a.json')).not.toEqual(b);
    expect(await readJson<GenerateJson>('a0.json')).toEqual(b);
    // A saved θ_ref = its own weights at step 0, so its guided answers are its own
    await gen(['--model', A, ...prompts, '--guidance', '0', '--json', join(dir, 'self.json')]);
    const self = await readJson<GenerateJson>('self.json');
    const plain = await readJson<GenerateJson>('a.json');
    expect(self.map((r) => r.completions.map((c) => c.tokens))).toEqual(
      plain.map((r) => r.completions.map((c) => c.tokens)),
    );
  });

  it('refuses a folder without θ_ref, another tokenizer, and w outside [0, 2]', async () => {
    const B = join(dir, 'B');
    await expect(gen(['--model', B, ...prompts, '--guidance', '0.5'])).rejects.toThrow(
      /holds no reference θ_ref.*pass --reference DIR/,
    );
    await expect(
      gen(['--model', B, ...prompts, '--guidance', '0.5', '--reference', join(dir, 'C')]),
    ).rejects.toThrow(/tokenizer.json differs from the policy's at added_tokens/);
    await expect(gen(['--model', B, ...prompts, '--guidance', '2.5'])).rejects.toThrow(
      /--guidance must be a number from 0 to 2 \(got 2.5\)/,
    );
    await expect(gen(['--model', B, ...prompts, '--reference', join(dir, 'A')])).rejects.toThrow(
      /--reference is used only with --guidance/,
    );
  });
});

describe('tabrl eval --guidance', () => {
  it('w = 0 against --reference B reports exactly what B does', async () => {
    const common = ['--preset', 'smoke', '--prompts', '2', '--samples', '2'];
    await ev(['--model', join(dir, 'B'), ...common, '--json', join(dir, 'eval-b.json')]);
    await ev([
      '--model',
      join(dir, 'A'),
      ...common,
      '--guidance',
      '0',
      '--reference',
      join(dir, 'B'),
      '--json',
      join(dir, 'eval-a0.json'),
    ]);
    const b = await readJson<{ metrics: Record<string, number>; guidance: number }>('eval-b.json');
    const a0 = await readJson<{ metrics: Record<string, number>; guidance: number }>('eval-a0.json');
    expect([b.guidance, a0.guidance]).toEqual([1, 0]);
    expect(a0.metrics).toEqual(b.metrics);
  });
});
