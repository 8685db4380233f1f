/**
 * A model whose token embedding (and untied LM head) is stored as row chunks, as a tensor above the
 * storage-binding limit is: with the runtime's split threshold lowered, micro models of every family
 * split their [V,C] tables into 3 uneven chunks, and logits, every gradient and the weights after a
 * few AdamW steps equal the unsplit model's (within 1e-6: only the LM head's dx sum and the gradient
 * norm are summed in another order).
 */
import { describe, expect, it } from 'vitest';
import { compareClose } from '../../../kernels/testing/compare.js';
import { testRuntime } from '../../../kernels/testing/gpu.js';
import { randint, rng } from '../../../kernels/testing/random.js';
import { type AdamwState, adamwDispose, adamwInit, adamwUpdate } from '../../optim/adamw.js';
import { type ModelConfig, modelPreset } from '../config.js';
import { initParams } from '../init.js';
import { embeddingName, splittableParams } from '../param-names.js';
import { disposeBatch, layoutSequences, uploadLayout } from './batch.js';
import { crossEntropyTrainingPass } from './head.js';
import { nextTokenTargets } from './lm-loss.js';
import { GpuModel } from './model.js';
import { GpuParams } from './params.js';

const SAME = { atol: 1e-6, rtol: 1e-6 };

const FAMILIES: [string, () => ModelConfig][] = [
  ['gpt2 (tied)', () => modelPreset('smoke')],
  ['llama (tied)', () => modelPreset('llama-micro')],
  ['qwen2 (untied head)', () => modelPreset('qwen2-micro')],
];

function values(config: ModelConfig, seed: number): Map<string, Float32Array> {
  const r = rng(seed);
  const v = initParams(config, r);
  for (const [name, t] of v) if (!/norm|ln_/.test(name)) for (let i = 0; i < t.length; i++) t[i] *= 8;
  return v;
}

function rows(seed: number, B: number, T: number, V: number): number[][] {
  const ids = randint(seed, B * T, V);
  return Array.from({ length: B }, (_, b) => Array.from(ids.subarray(b * T, (b + 1) * T)));
}

function expectAllClose(got: Map<string, Float32Array>, want: Map<string, Float32Array>, what: string) {
  const failures: string[] = [];
  for (const [name, w] of want) {
    const r = compareClose(got.get(name) ?? [], w, SAME, `${what} ${name}`);
    if (!r.ok) failures.push(r.message);
  }
  expect(failures).toEqual([]);
}

/** One training step on GPU tensors: loss, gradients, AdamW (with clipping). */
async function trainStep(model: GpuModel, grads: GpuParams, opt: AdamwState, ids: number[][]) {
  const rt = model.rt;
  grads.zero();
  const batch = uploadLayout(rt, layoutSequences(ids, null, 0, 0, ids[0].length));
  const { targets, count } = nextTokenTargets(ids);
  const targetT = rt.upload(targets, [targets.length], 'targets', 'i32');
  const loss = crossEntropyTrainingPass(model.transformer, model.params, grads, batch, targetT, count);
  // eps 1e-3, not 1e-8: Adam divides by sqrt(v), which turns the float32 noise of gradients whose exact
  // value is 0 (GPT-2's key bias: softmax ignores a per-row shift) into lr-sized steps in either model
  const hyper = { learningRate: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-3, weightDecay: 0.1, maxGradNorm: 1 };
  const r = await adamwUpdate(opt, model.params, grads, hyper);
  for (const t of [loss, targetT]) t.dispose();
  disposeBatch(batch);
  return { gradNorm: r.gradNorm, state: r.state };
}

describe.each(FAMILIES)('%s with its [V,C] tables in 3 row chunks', (_name, makeConfig) => {
  it('gives the unsplit logits, gradients and weights after AdamW steps', async () => {
    const rt = await testRuntime();
    const config = makeConfig();
    const init = values(config, 21);
    const ids = rows(22, 3, 9, config.vocabSize);
    const whole = GpuModel.load(rt, config, init);
    const saved = rt.splitBytes;
    // V = 32 rows of C = 32 floats (128 B): a 1536 B threshold gives chunks of 12, 12 and 8 rows
    rt.splitBytes = 1536;
    let split: GpuModel;
    try {
      split = GpuModel.load(rt, config, init);
    } finally {
      rt.splitBytes = saved;
    }
    const names = splittableParams(config);
    expect(names.has(embeddingName(config))).toBe(true);
    for (const name of names) {
      expect(split.params.chunks(name).map((t) => t.shape)).toEqual([
        [12, 32],
        [12, 32],
        [8, 32],
      ]);
      expect(whole.params.chunks(name)).toHaveLength(1);
      expect(() => split.params.get(name)).toThrow(/3 row chunks/);
    }
    expectAllClose(await split.params.download(), init, 'uploaded');

    const logitsWhole = await whole.logits(ids);
    const logitsSplit = await split.logits(ids);
    const r = compareClose(logitsSplit, logitsWhole, SAME, 'logits');
    expect(r.ok, r.message).toBe(true);
    const a = await whole.lossAndGrads(ids);
    const b = await split.lossAndGrads(ids);
    expect(Math.abs(b.loss - a.loss)).toBeLessThan(1e-6);
    expectAllClose(b.grads, a.grads, 'gradient');

    const run = async (model: GpuModel) => {
      const grads = GpuParams.zerosLike(model.params, '.grad');
      let opt = adamwInit(model.params);
      const norms = [];
      for (let step = 0; step < 3; step++) {
        const r = await trainStep(model, grads, opt, rows(30 + step, 2, 8, 32));
        norms.push(r.gradNorm);
        opt = r.state;
      }
      const moments = await opt.m.download();
      grads.dispose();
      adamwDispose(opt);
      return { norms, weights: await model.params.download(), moments };
    };
    const trainedWhole = await run(whole);
    const trainedSplit = await run(split);
    expect(split.params.chunks(embeddingName(config))).toHaveLength(3);
    for (let i = 0; i < 3; i++)
      expect(Math.abs(trainedSplit.norms[i] / trainedWhole.norms[i] - 1)).toBeLessThan(1e-6);
    expectAllClose(trainedSplit.weights, trainedWhole.weights, 'trained');
    expectAllClose(trainedSplit.moments, trainedWhole.moments, 'exp_avg');
    // the steps moved the embedding: equality is not that of two untouched copies
    const emb = embeddingName(config);
    const moved = trainedSplit.weights.get(emb)!.some((x, i) => Math.abs(x - init.get(emb)![i]) > 1e-4);
    expect(moved).toBe(true);
    whole.dispose();
    split.dispose();
    await rt.sync();
  });
});
