/**
 * Checkpoint folders: written and read back through memory and node:fs, with tokenizer and trainer
 * state; sharded folders; and refusals that name the file.
 */

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rng } from '../../kernels/testing/random.js';
import { type Checkpoint, CheckpointError, memoryFs, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { nodeCheckpointFs } from './checkpoint-node.js';
import { modelPreset, toHfConfig } from './config.js';
import { initParams } from './init.js';
import { paramSpecs } from './param-names.js';
import { writeSafetensors } from './safetensors.js';

function sample(): Checkpoint {
  const config = modelPreset('qwen2-micro');
  return {
    config,
    params: initParams(config, rng(11)),
    tokenizer: { version: '1.0', model: { type: 'BPE', vocab: { a: 0 }, merges: [] } },
    tokenizerConfig: { tokenizer_class: 'PreTrainedTokenizerFast', eos_token: '<eos>' },
    trainerState: {
      json: { step: 12, algorithm: 'grpo' },
      tensors: new Map([
        [
          'exp_avg.model.norm.weight',
          { shape: [32], data: Float32Array.from({ length: 32 }, (_, i) => i / 7) },
        ],
      ]),
    },
  };
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function expectSame(back: Checkpoint, ckpt: Checkpoint) {
  expect(back.config).toEqual({ ...ckpt.config, torchDtype: 'float32' });
  expect([...back.params.keys()]).toEqual([...ckpt.params.keys()]);
  for (const [name, data] of ckpt.params) expect(bits(back.params.get(name)!), name).toEqual(bits(data));
  expect(back.tokenizer).toEqual(ckpt.tokenizer);
  expect(back.tokenizerConfig).toEqual(ckpt.tokenizerConfig);
  expect(back.trainerState?.json).toEqual(ckpt.trainerState?.json);
  const t = back.trainerState!.tensors.get('exp_avg.model.norm.weight')!;
  expect(t.shape).toEqual([32]);
  expect(bits(t.data)).toEqual(bits(ckpt.trainerState!.tensors.get('exp_avg.model.norm.weight')!.data));
}

describe('checkpoint folders', () => {
  it('round-trips in memory', async () => {
    const ckpt = sample();
    const fs = memoryFs();
    await writeCheckpoint(fs, ckpt);
    expect([...fs.files.keys()].sort()).toEqual([
      'config.json',
      'files.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
      'trainer_state.json',
      'trainer_state.safetensors',
    ]);
    expectSame(await readCheckpoint(fs), ckpt);
  });

  it('round-trips on disk through node:fs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tabrl-ckpt-'));
    try {
      const ckpt = sample();
      await writeCheckpoint(nodeCheckpointFs(join(dir, 'checkpoint')), ckpt);
      expect((await readdir(join(dir, 'checkpoint'))).length).toBe(7); // with files.json
      expectSame(await readCheckpoint(nodeCheckpointFs(join(dir, 'checkpoint'))), ckpt);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a sharded folder without tokenizer or trainer state', async () => {
    const config = modelPreset('llama-micro');
    const params = initParams(config, rng(12));
    const specs = paramSpecs(config);
    const fs = memoryFs();
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    await fs.writeFile('config.json', enc(toHfConfig(config)));
    const weightMap: Record<string, string> = {};
    for (const [i, part] of [specs.slice(0, 5), specs.slice(5)].entries()) {
      const shard = `model-0000${i + 1}-of-00002.safetensors`;
      await fs.writeFile(shard, writeSafetensors(part.map((s) => ({ ...s, data: params.get(s.name)! }))));
      for (const s of part) weightMap[s.name] = shard;
    }
    await fs.writeFile(
      'model.safetensors.index.json',
      enc({ metadata: { total_size: 0 }, weight_map: weightMap }),
    );
    const back = await readCheckpoint(fs);
    expect(back.tokenizer).toBeNull();
    expect(back.trainerState).toBeNull();
    for (const [name, data] of params) expect(bits(back.params.get(name)!)).toEqual(bits(data));
    fs.files.delete('model-00002-of-00002.safetensors');
    await expect(readCheckpoint(fs)).rejects.toThrow(
      /model-00002-of-00002\.safetensors: not found\. model\.safetensors\.index\.json lists it/,
    );
  });

  it('reads a transformers-style bf16 folder (legacy rotary buffer and a tied lm_head copy ignored)', async () => {
    const config = modelPreset('llama-micro'); // tied
    const fs = memoryFs();
    await fs.writeFile(
      'config.json',
      new TextEncoder().encode(
        JSON.stringify({ ...toHfConfig(config), torch_dtype: 'bfloat16', dtype: 'bfloat16' }),
      ),
    );
    // bf16 of 1 + k/128 is exact: 0x3f80 + k.
    const specs = paramSpecs(config);
    const tensors = specs.map((s, i) => {
      const n = s.shape.reduce((a, b) => a * b, 1);
      const words = new Uint16Array(n).fill(0x3f80 + (i % 100));
      return { name: s.name, shape: s.shape, dtype: 'BF16' as const, bytes: new Uint8Array(words.buffer) };
    });
    tensors.push({
      name: 'model.layers.0.self_attn.rotary_emb.inv_freq',
      shape: [4],
      dtype: 'BF16',
      bytes: new Uint8Array(8),
    });
    tensors.push({ ...tensors[0], name: 'lm_head.weight' });
    await fs.writeFile('model.safetensors', writeSafetensors(tensors, { format: 'pt' }));
    const back = await readCheckpoint(fs);
    expect(back.config.torchDtype).toBe('bfloat16');
    specs.forEach((s, i) => {
      const v = back.params.get(s.name)!;
      expect(v.length).toBe(s.shape.reduce((a, b) => a * b, 1));
      expect(v[v.length - 1], s.name).toBe(1 + (i % 100) / 128);
    });
    expect(back.params.has('lm_head.weight')).toBe(false);
  });

  it('refuses broken folders naming the file', async () => {
    const fs = memoryFs();
    await expect(readCheckpoint(fs)).rejects.toThrow(/config\.json: not found/);
    await writeCheckpoint(fs, sample());
    const config = JSON.parse(new TextDecoder().decode(fs.files.get('config.json')!));
    fs.files.set(
      'config.json',
      new TextEncoder().encode(JSON.stringify({ ...config, model_type: 'mistral' })),
    );
    await expect(readCheckpoint(fs)).rejects.toThrow(CheckpointError);
    await expect(readCheckpoint(fs)).rejects.toThrow(/model_type "mistral" is not supported/);
    fs.files.set('config.json', new TextEncoder().encode(JSON.stringify({ ...config, hidden_size: 48 })));
    await expect(readCheckpoint(fs)).rejects.toThrow(
      /model\.safetensors: tensor "model\.embed_tokens\.weight" does not fit config\.json \(shape \[32,32\] but the config needs \[32,48\]\)/,
    );
    fs.files.set('config.json', new TextEncoder().encode('{not json'));
    await expect(readCheckpoint(fs)).rejects.toThrow(/config\.json: not valid JSON/);
  });
});
