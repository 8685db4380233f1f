import { describe, expect, it } from 'vitest';
import { compareClose, expectClose } from '../../../kernels/testing/compare.js';
import { testRuntime } from '../../../kernels/testing/gpu.js';
import { randint, rng } from '../../../kernels/testing/random.js';
import { type ModelConfig, modelPreset } from '../config.js';
import { initParams } from '../init.js';
import { referenceForward, referenceLossAndGrads } from '../reference/model.js';
import { disposeBatch, layoutSequences, uploadLayout } from './batch.js';
import { GpuModel } from './model.js';

// Tolerances: float32 kernels against the float64 reference on micro models.
const LOGITS = { atol: 2e-5, rtol: 1e-4 };
const GRADS = { atol: 2e-5, rtol: 2e-3 };

/** Random parameters with a larger spread than HF's init, so every path carries signal. */
function params(config: ModelConfig, seed: number): Map<string, Float32Array> {
  const r = rng(seed);
  const values = initParams(config, r);
  for (const [name, v] of values) {
    if (/norm|ln_/.test(name)) for (let i = 0; i < v.length; i++) v[i] += (r() - 0.5) * 0.4;
    else for (let i = 0; i < v.length; i++) v[i] *= 8;
  }
  return values;
}

function rows(seed: number, B: number, T: number, V: number): number[][] {
  const ids = randint(seed, B * T, V);
  return Array.from({ length: B }, (_, b) => Array.from(ids.subarray(b * T, (b + 1) * T)));
}

const FAMILIES: [string, () => ModelConfig][] = [
  ['gpt2', () => modelPreset('smoke')],
  ['llama', () => modelPreset('llama-micro')],
  ['qwen2', () => modelPreset('qwen2-micro')],
];

describe.each(FAMILIES)('GPU %s model against the float64 reference', (_name, makeConfig) => {
  it('gives the same logits, loss and every parameter gradient', async () => {
    const rt = await testRuntime();
    const config = makeConfig();
    const values = params(config, 3);
    const ids = rows(4, 3, 7, config.vocabSize);
    const lossMask = ids.map((row, b) => row.map((_, t) => (t === 2 && b === 1 ? 0 : 1)));
    const model = GpuModel.load(rt, config, values);
    const ref = referenceLossAndGrads(config, values, { inputIds: ids, lossMask });
    expectClose(await model.logits(ids), ref.logits, LOGITS, 'logits');
    const got = await model.lossAndGrads(ids, lossMask);
    expect(got.loss).toBeCloseTo(ref.loss, 4);
    const failures: string[] = [];
    for (const [name, want] of ref.grads) {
      const r = compareClose(got.grads.get(name) ?? [], want, GRADS, name);
      if (!r.ok) failures.push(r.message);
    }
    expect(failures).toEqual([]);
    model.dispose();
    await rt.sync();
  });

  it('handles left padding with positions and a key mask as transformers does', async () => {
    const rt = await testRuntime();
    const config = makeConfig();
    const values = params(config, 5);
    const prompts = [
      [3, 4, 5, 6, 7],
      [8, 9],
      [10, 11, 12],
    ];
    const completions = [[13, 14], [15, 16, 17], [18]];
    const layout = layoutSequences(prompts, completions, 3, 0);
    const { B, T } = layout;
    const model = GpuModel.load(rt, config, values);
    const batch = uploadLayout(rt, layout);
    const { logits, hidden } = model.transformer.forward(model.params, batch);
    const got = await rt.readF32(logits);
    const toRows = (a: ArrayLike<number>) =>
      Array.from({ length: B }, (_, b) => Array.from(a).slice(b * T, (b + 1) * T));
    const ref = referenceForward(config, values, {
      inputIds: toRows(layout.ids),
      attentionMask: toRows(layout.keyMask),
      positionIds: toRows(layout.positions),
    });
    // compare only rows of real tokens: padded query rows are never read
    const V = config.vocabSize;
    const keep = (a: ArrayLike<number>) =>
      Array.from(a).filter((_, i) => layout.keyMask[Math.floor(i / V)] === 1);
    expectClose(keep(got), keep(ref.logits), LOGITS, 'padded logits');
    for (const t of [logits, hidden]) t.dispose();
    disposeBatch(batch);
    model.dispose();
  });
});
