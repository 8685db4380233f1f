import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../engine/config/index.js';
import { readCheckpoint, writeCheckpoint } from '../engine/model/checkpoint.js';
import { nodeCheckpointFs } from '../engine/model/checkpoint-node.js';
import { type ModelConfig, modelPreset, toHfConfig } from '../engine/model/config.js';
import { initParams } from '../engine/model/init.js';
import { paramSpecs } from '../engine/model/param-names.js';
import { referenceLossAndGrads } from '../engine/model/reference/model.js';
import { parseSafetensors, type TensorToWrite, writeSafetensors } from '../engine/model/safetensors.js';
import { CharTokenizer } from '../engine/tokenizers/char-tokenizer.js';
import { expectClose } from '../kernels/testing/compare.js';
import { rng } from '../kernels/testing/random.js';
import { run as runExport } from './commands/export.js';
import { runForward, runGrads } from './commands/model-io.js';

describe('tabrl forward / grads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tabrl-modelio-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('write logits, loss and every gradient that match the float64 reference', async () => {
    const config = modelPreset('qwen2-micro');
    const params = initParams(config, rng(21));
    for (const v of params.values()) for (let i = 0; i < v.length; i++) v[i] *= 10;
    const tok = new CharTokenizer();
    await writeCheckpoint(nodeCheckpointFs(join(dir, 'model')), {
      config,
      params,
      tokenizer: tok.toJSON(),
      tokenizerConfig: tok.tokenizerConfig(),
      trainerState: null,
    });
    const ids = [
      [3, 7, 1, 0, 9, 12],
      [30, 2, 2, 5, 17, 4],
    ];
    writeFileSync(join(dir, 'tokens.json'), JSON.stringify({ input_ids: ids }));
    const base = ['--model', join(dir, 'model'), '--tokens', join(dir, 'tokens.json')];
    expect(await runForward([...base, '--out', join(dir, 'logits.safetensors')])).toBe(0);
    expect(await runGrads([...base, '--out', join(dir, 'grads.safetensors')])).toBe(0);
    const ref = referenceLossAndGrads(config, params, { inputIds: ids });
    const logits = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'logits.safetensors'))));
    expect(logits.tensors.get('logits')?.shape).toEqual([2, 6, config.vocabSize]);
    expectClose(logits.float32('logits'), ref.logits, { atol: 2e-5, rtol: 1e-4 }, 'logits');
    const grads = parseSafetensors(new Uint8Array(readFileSync(join(dir, 'grads.safetensors'))));
    expect(grads.tensors.get('loss')?.shape).toEqual([]);
    expect(grads.float32('loss')[0]).toBeCloseTo(ref.loss, 4);
    for (const [name, want] of ref.grads) {
      expectClose(grads.float32(name), want, { atol: 2e-5, rtol: 2e-3 }, name);
    }
  });

  it('refuses rows of unequal length and ids outside the vocabulary, naming the entry', async () => {
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        input_ids: [
          [1, 2, 3],
          [1, 2],
        ],
      }),
    );
    await expect(
      runForward(['--model', join(dir, 'model'), '--tokens', join(dir, 'bad.json'), '--out', join(dir, 'x')]),
    ).rejects.toThrow(/row 1 has 2 ids/);
    writeFileSync(join(dir, 'bad2.json'), JSON.stringify({ input_ids: [[1, 2, 999]] }));
    await expect(
      runGrads(['--model', join(dir, 'model'), '--tokens', join(dir, 'bad2.json'), '--out', join(dir, 'x')]),
    ).rejects.toThrow(/input_ids\[0\]\[2\] = 999/);
  });
});

/**
 * A checkpoint folder as `transformers` (or the hub) stores it, written by hand rather than by
 * writeCheckpoint: `bare` drops the base-model prefix (`transformer.`, `model.`) as a base-model save
 * does; `buffers` adds the hub `gpt2` file's `h.N.attn.bias` causal masks. Returns the parameter names
 * stored, canonical name -> stored name.
 */
function handWrittenCheckpoint(
  dir: string,
  config: ModelConfig,
  params: Map<string, Float32Array>,
  bare: boolean,
  buffers: boolean,
) {
  const prefix = config.family === 'gpt2' ? 'transformer.' : 'model.';
  const stored = new Map<string, string>();
  const tensors: TensorToWrite[] = [];
  for (const s of paramSpecs(config)) {
    const name = bare && s.name.startsWith(prefix) ? s.name.slice(prefix.length) : s.name;
    stored.set(s.name, name);
    tensors.push({ name, shape: s.shape, data: params.get(s.name)! });
  }
  const P = config.maxPositions;
  for (let l = 0; buffers && l < config.numLayers; l++) {
    const mask = Float32Array.from({ length: P * P }, (_, i) => (i % P <= Math.floor(i / P) ? 1 : 0));
    tensors.push({ name: `${bare ? '' : prefix}h.${l}.attn.bias`, shape: [1, 1, P, P], data: mask });
  }
  const tok = new CharTokenizer();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(toHfConfig(config)));
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(tensors, { format: 'pt' }));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok.toJSON()));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tok.tokenizerConfig()));
  return stored;
}

const readTensors = (path: string) => parseSafetensors(new Uint8Array(readFileSync(path)));
const u32 = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('tabrl grads / forward / export keep the names the checkpoint stores', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tabrl-names-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ids = [
    [3, 7, 1, 0, 9],
    [30, 2, 2, 5, 17],
  ];
  writeFileSync(join(dir, 'tokens.json'), JSON.stringify({ input_ids: ids }));
  const cases = [
    {
      name: 'hub gpt2 (bare names, attn.bias buffers)',
      preset: 'smoke',
      tied: true,
      bare: true,
      buffers: true,
    },
    { name: 'gpt2 as save_pretrained writes it', preset: 'smoke', tied: true, bare: false, buffers: false },
    { name: 'untied gpt2, bare names', preset: 'smoke', tied: false, bare: true, buffers: false },
    {
      name: 'qwen2 without model. (untied lm_head)',
      preset: 'qwen2-micro',
      tied: false,
      bare: true,
      buffers: false,
    },
    { name: 'llama with model.', preset: 'llama-micro', tied: true, bare: false, buffers: false },
  ] as const;

  it.each(cases)('$name', async (k) => {
    const config = { ...modelPreset(k.preset), tieWordEmbeddings: k.tied };
    const params = initParams(config, rng(31));
    const model = join(dir, `${k.preset}-${k.tied}-${k.bare}`);
    const stored = handWrittenCheckpoint(join(model, 'run', 'checkpoint'), config, params, k.bare, k.buffers);
    const ckptDir = join(model, 'run', 'checkpoint');
    const base = ['--model', ckptDir, '--tokens', join(dir, 'tokens.json')];
    const ref = referenceLossAndGrads(config, params, { inputIds: ids });

    expect(await runForward([...base, '--out', join(model, 'logits.safetensors')])).toBe(0);
    expectClose(
      readTensors(join(model, 'logits.safetensors')).float32('logits'),
      ref.logits,
      { atol: 2e-5, rtol: 1e-4 },
      'logits',
    );

    // grads: `loss` plus exactly the stored parameter names (buffers are not parameters).
    expect(await runGrads([...base, '--out', join(model, 'grads.safetensors')])).toBe(0);
    const grads = readTensors(join(model, 'grads.safetensors'));
    const gradNames = [...grads.tensors.keys()].filter((n) => n !== 'loss');
    expect(new Set(gradNames)).toEqual(new Set(stored.values()));
    expect(gradNames.length).toBe(paramSpecs(config).length);
    for (const [canonical, want] of ref.grads)
      expectClose(grads.float32(stored.get(canonical)!), want, { atol: 2e-5, rtol: 2e-3 }, canonical);

    // export --hf of a run whose checkpoint came in this layout writes the same names and bits.
    const runConfig = (parseRunConfig({}) as { ok: true; config: object }).config;
    writeFileSync(join(model, 'run', 'config.json'), JSON.stringify(runConfig));
    expect(await runExport(['--run', join(model, 'run'), '--hf', join(model, 'hf')])).toBe(0);
    const exported = readTensors(join(model, 'hf', 'model.safetensors'));
    expect([...exported.tensors.keys()]).toEqual([...stored.values()]);
    for (const [canonical, name] of stored)
      expect(u32(exported.float32(name)), name).toEqual(u32(params.get(canonical)!));
    const back = await readCheckpoint(nodeCheckpointFs(join(model, 'hf')));
    expect(back.nameLayout).toBe(k.bare ? 'bare' : 'prefixed');
  });
});
