import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCheckpoint } from '../engine/model/checkpoint.js';
import { nodeCheckpointFs } from '../engine/model/checkpoint-node.js';
import { modelPreset } from '../engine/model/config.js';
import { initParams } from '../engine/model/init.js';
import { referenceLossAndGrads } from '../engine/model/reference/model.js';
import { parseSafetensors } from '../engine/model/safetensors.js';
import { CharTokenizer } from '../engine/tokenizers/char-tokenizer.js';
import { expectClose } from '../kernels/testing/compare.js';
import { rng } from '../kernels/testing/random.js';
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
