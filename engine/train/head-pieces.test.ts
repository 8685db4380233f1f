/**
 * The LM head in row pieces (model/gpu/head.ts), as the trainer runs it: with the piece size lowered
 * to 5 rows, micro models of every family (GPT-2 and Llama tied, Qwen2 with an untied head) give the
 * one-piece path's completion log-probs and entropies, policy-gradient step (loss, metrics and every
 * gradient, with an entropy bonus and PPO's value head) and SFT step (cross-entropy, and asft with its
 * reference's KL), within float32 summation-order
 * noise, while dispatching more kernels (the pieces ran). Plus the piece plan by hand.
 */
import { describe, expect, it } from 'vitest';
import { compareClose } from '../../kernels/testing/compare.js';
import { testRuntime } from '../../kernels/testing/gpu.js';
import { randint, randn, rng } from '../../kernels/testing/random.js';
import { type ModelConfig, modelPreset } from '../model/config.js';
import { GpuModel } from '../model/gpu/model.js';
import { GpuParams } from '../model/gpu/params.js';
import { HEAD_PIECE_BYTES, headPieceRows } from '../model/head-pieces.js';
import { initParams } from '../model/init.js';
import { embeddingName } from '../model/param-names.js';
import type { PolicyLossOptions } from '../rl/policy-loss.js';
import {
  accumulatePolicyGradient,
  accumulateSftGradient,
  completionLogprobs,
  type TokenRow,
} from './update.js';
import { ValueHead } from './value-head.js';

const SAME = { atol: 1e-6, rtol: 1e-5 };
const L = 5;

const FAMILIES: [string, () => ModelConfig][] = [
  ['gpt2 (tied)', () => modelPreset('smoke')],
  ['llama (tied)', () => modelPreset('llama-micro')],
  ['qwen2 (untied head)', () => modelPreset('qwen2-micro')],
];

const OPTIONS: PolicyLossOptions = {
  loss_type: 'dapo',
  epsilon: 0.2,
  epsilon_high: 0.28,
  beta: 0.04,
  kl_estimator: 'k3',
  kl_in: 'loss',
  entropy_coef: 0.01,
  mask_truncated_completions: false,
  max_completion_length: L,
};

/** 6 rows: prompts of 3 to 5 tokens, completions of 1 to L tokens (2..V-1, no pad or EOS ids). */
function tokenRows(V: number): TokenRow[] {
  const r = rng(5);
  return Array.from({ length: 6 }, (_, b) => ({
    promptIds: Array.from({ length: 3 + (b % 3) }, () => 2 + Math.floor(r() * (V - 2))),
    completionIds: Array.from({ length: 1 + ((b * 2) % L) }, () => 2 + Math.floor(r() * (V - 2))),
  }));
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string) {
  const r = compareClose(got, want, SAME, what);
  expect(r.ok, r.message).toBe(true);
}

describe('headPieceRows', () => {
  it('all rows while they fit; else as many as fit the smaller of the binding limit and the cap', () => {
    expect(headPieceRows(512, 49_152, 128 * 2 ** 20)).toBe(512); // 96 MiB of logits: one piece
    expect(headPieceRows(512, 151_936, 128 * 2 ** 20)).toBe(220); // floor(134217728 / 607744)
    expect(headPieceRows(512, 151_936, 2 ** 30)).toBe(220); // the cap, not the 1 GiB binding
    expect(headPieceRows(512, 151_936, 64 * 2 ** 20, HEAD_PIECE_BYTES)).toBe(110);
    expect(() => headPieceRows(4, 1000, 2000)).toThrow(/one row of logits/);
  });
});

describe.each(FAMILIES)('%s: the head in pieces of 5 rows', (_name, makeConfig) => {
  it('gives the one-piece log-probs, policy step and SFT step', async () => {
    const rt = await testRuntime();
    const config = makeConfig();
    const V = config.vocabSize;
    const init = initParams(config, rng(11));
    const model = GpuModel.load(rt, config, init);
    const rows = tokenRows(V);
    const n = rows.length * L;
    const r = rng(12);
    const oldShift = Float64Array.from({ length: n }, () => 0.1 * r()); // the same in both runs
    const mask = new Float64Array(n);
    rows.forEach((row, b) => {
      for (let t = 0; t < row.completionIds.length; t++) mask[b * L + t] = 1;
    });
    const head = new ValueHead(rt, config);
    rt.write(head.weight, randn(13, config.hiddenSize, 0.5)); // not zero: its dHidden joins the head's

    // asft's reference: the weights moved a little, so its KL and the KL's gradient are not zero
    const ref = GpuParams.upload(
      rt,
      config,
      new Map([...init].map(([name, w]) => [name, w.map((x, k) => x + 0.02 * Math.sin(k))])),
    );

    const run = async (pieceBytes: number) => {
      model.transformer.headPieceBytes = pieceBytes;
      const before = rt.stats().dispatches;
      const scored = await completionLogprobs(model, model.params, rows, L, 0.9, 0, head);
      const grads = GpuParams.zerosLike(model.params, '.grad');
      const step = await accumulatePolicyGradient(
        model,
        model.params,
        grads,
        {
          rows,
          L,
          advantages: Float64Array.from(randint(14, rows.length, 5), (x) => x - 2),
          sampledLogprobs: scored.lp.map((x, k) => x - oldShift[k]),
          refLogprobs: scored.lp.map((x) => x + 0.05),
          mask,
          truncated: rows.map(() => false),
          temperature: 0.9,
          pad: 0,
          microBatches: 2,
          useSampledAsOld: true,
          value: {
            head,
            oldValues: new Float64Array(n).fill(0.1),
            returns: Float64Array.from({ length: n }, (_, k) => (k % 3) / 3),
          },
        },
        { ...OPTIONS, vf_coef: 0.5, cliprange_value: 0.2 },
      ).read();
      const policyGrads = await grads.download();
      grads.zero();
      const sft = accumulateSftGradient(model, model.params, grads, rows, 0);
      const [loss] = await rt.readMany([sft.loss]);
      sft.loss.dispose();
      const sftGrads = await grads.download();
      grads.zero();
      const asft = accumulateSftGradient(model, model.params, grads, rows, 0, {
        options: { loss: 'asft', anchorBeta: 0.5 },
        ref,
      });
      const [asftLoss, anchorKl] = await rt.readMany([
        asft.loss,
        asft.anchorKl as NonNullable<typeof asft.anchorKl>,
      ]);
      asft.loss.dispose();
      asft.anchorKl?.dispose();
      const asftGrads = await grads.download();
      grads.dispose();
      return {
        scored,
        step,
        policyGrads,
        sftLoss: loss[0],
        sftGrads,
        asftLoss: asftLoss[0],
        anchorKl: anchorKl[0],
        asftGrads,
        dispatches: rt.stats().dispatches - before,
      };
    };
    const whole = await run(HEAD_PIECE_BYTES);
    const pieced = await run(5 * V * 4);
    model.transformer.headPieceBytes = HEAD_PIECE_BYTES;

    expect(pieced.dispatches).toBeGreaterThan(whole.dispatches);
    expectClose(pieced.scored.lp, whole.scored.lp, 'lp');
    expectClose(pieced.scored.entropy, whole.scored.entropy, 'entropy');
    expectClose(pieced.scored.values ?? [], whole.scored.values ?? [], 'values');
    expect(Math.abs(pieced.step.loss - whole.step.loss)).toBeLessThan(1e-6);
    for (const [k, v] of Object.entries(whole.step.metrics))
      expect(pieced.step.metrics[k as keyof typeof whole.step.metrics], k).toBeCloseTo(v, 6);
    expect(Math.abs(pieced.sftLoss - whole.sftLoss)).toBeLessThan(1e-6);
    for (const [name, g] of whole.policyGrads)
      expectClose(pieced.policyGrads.get(name) ?? [], g, `policy ${name}`);
    for (const [name, g] of whole.sftGrads) expectClose(pieced.sftGrads.get(name) ?? [], g, `sft ${name}`);
    expect(whole.anchorKl).toBeGreaterThan(1e-6);
    expect(Math.abs(pieced.anchorKl - whole.anchorKl)).toBeLessThan(1e-6);
    expect(Math.abs(pieced.asftLoss - whole.asftLoss)).toBeLessThan(1e-6);
    for (const [name, g] of whole.asftGrads) expectClose(pieced.asftGrads.get(name) ?? [], g, `asft ${name}`);
    // the head's gradient is not zero: the comparison covers the pieces' dW sums
    const headName = config.tieWordEmbeddings ? embeddingName(config) : 'lm_head.weight';
    expect(whole.sftGrads.get(headName)?.some((x) => Math.abs(x) > 1e-4)).toBe(true);
    head.dispose();
    ref.dispose();
    model.dispose();
    await rt.sync();
  });
});
