// Guidance at inference (docs/ALGORITHMS.md "Guidance at inference"): θ_ref and the policy in lockstep,
// sampling from (1 − w)·z_ref + w·z_θ. w = 1 is the policy's sampling exactly, w = 0 θ_ref's exactly
// (same seed), and at w = 0.5 the recorded logits are the float64 mixture of both models' full
// recomputation and the first token's frequencies match the mixture's softmax (chi-square).
import { describe, expect, it } from 'vitest';
import { sampleRef } from '../../../kernels/ops/sample/sample.ref.js';
import { expectClose } from '../../../kernels/testing/compare.js';
import { testRuntime } from '../../../kernels/testing/gpu.js';
import { rng } from '../../../kernels/testing/random.js';
import { modelPreset } from '../config.js';
import { initParams } from '../init.js';
import { disposeBatch, layoutSequences, uploadLayout } from './batch.js';
import { type GenerateOptions, sampleWithKvCache } from './generate.js';
import { GpuModel } from './model.js';

type Rt = Awaited<ReturnType<typeof testRuntime>>;

function loadModel(rt: Rt, seed: number, scale: number): GpuModel {
  const config = modelPreset('llama-micro');
  const values = initParams(config, rng(seed));
  for (const [name, v] of values)
    if (!/norm|ln_/.test(name)) for (let i = 0; i < v.length; i++) v[i] *= scale;
  return GpuModel.load(rt, config, values);
}

const PROMPTS = [[5, 6, 7, 8, 9, 10], [11, 12], [13, 14, 15, 16], [17]];
const OPTIONS: GenerateOptions = {
  temperature: 0.9,
  topK: 0,
  topP: 1,
  minP: 0,
  greedy: false,
  maxNewTokens: 6,
  seed: 11,
  step: 2,
  eos: 1,
  pad: 0,
};

/** [R,L,V] logits of `model` at every completion slot of `tokens`, by a full recomputation. */
async function fullLogits(model: GpuModel, tokens: number[][], L: number): Promise<Float32Array[][]> {
  const rt = model.rt;
  const layout = layoutSequences(PROMPTS, tokens, L, 0);
  const batch = uploadLayout(rt, layout);
  const { logits, hidden } = model.transformer.forward(model.params, batch);
  const full = await rt.readF32(logits);
  logits.dispose();
  hidden.dispose();
  disposeBatch(batch);
  const V = model.config.vocabSize;
  const Tp = layout.T - L;
  return tokens.map((row, r) =>
    row.map((_, t) => full.slice((r * layout.T + Tp - 1 + t) * V, (r * layout.T + Tp + t) * V)),
  );
}

/** Chi-square critical value at p = 0.001 (Wilson–Hilferty). */
function chi2Critical(df: number): number {
  const z = 3.09;
  return df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
}

describe('sampleWithKvCache under guidance', () => {
  it('w = 1 samples the policy exactly and w = 0 the reference exactly (same seed)', async () => {
    const rt = await testRuntime();
    const policy = loadModel(rt, 1, 20);
    const ref = loadModel(rt, 2, 20);
    const alone = await sampleWithKvCache(policy, PROMPTS, OPTIONS);
    const refAlone = await sampleWithKvCache(ref, PROMPTS, OPTIONS);
    expect(refAlone.tokens).not.toEqual(alone.tokens);
    const w1 = await sampleWithKvCache(policy, PROMPTS, { ...OPTIONS, guidance: { weight: 1, model: ref } });
    expect(w1.tokens).toEqual(alone.tokens);
    expect(w1.logprobs).toEqual(alone.logprobs);
    const w0 = await sampleWithKvCache(policy, PROMPTS, { ...OPTIONS, guidance: { weight: 0, model: ref } });
    expect(w0.tokens).toEqual(refAlone.tokens);
    expect(w0.logprobs).toEqual(refAlone.logprobs);
    expect(w0.entropies).toEqual(refAlone.entropies);
    policy.dispose();
    ref.dispose();
  });

  it('w = 0.5 records the float64 mixture of both models at every position, and log-probs under it', async () => {
    const rt = await testRuntime();
    const policy = loadModel(rt, 3, 20);
    const ref = loadModel(rt, 4, 20);
    const w = 0.5;
    const L = OPTIONS.maxNewTokens;
    const gen = await sampleWithKvCache(policy, PROMPTS, {
      ...OPTIONS,
      recordLogits: true,
      guidance: { weight: w, model: ref },
    });
    const zp = await fullLogits(policy, gen.tokens, L);
    const zr = await fullLogits(ref, gen.tokens, L);
    const V = policy.config.vocabSize;
    const got: number[] = [];
    const want: number[] = [];
    const lpWant: number[] = [];
    const lpGot: number[] = [];
    gen.tokens.forEach((row, r) => {
      row.forEach((tok, t) => {
        const mixed = zp[r][t].map((z, v) => (1 - w) * zr[r][t][v] + w * z);
        got.push(...(gen.logits as Float32Array).subarray((r * L + t) * V, (r * L + t + 1) * V));
        want.push(...mixed);
        const { probs } = sampleRef(Float32Array.from(mixed), OPTIONS, 0);
        lpWant.push(Math.log(probs[tok]));
        lpGot.push(gen.logprobs[r][t]);
      });
    });
    expect(got.length).toBeGreaterThan(V * PROMPTS.length);
    expectClose(got, want, { atol: 2e-5, rtol: 1e-4 }, 'mixed logits vs recomputed mixture');
    expectClose(lpGot, lpWant, { atol: 1e-4, rtol: 1e-4 }, 'log-probs under the mixture');
    policy.dispose();
    ref.dispose();
  });

  it("w = 0.5 draws the first token with the mixture's softmax frequencies (chi-square)", async () => {
    const rt = await testRuntime();
    const policy = loadModel(rt, 5, 4);
    const ref = loadModel(rt, 6, 4);
    const R = 3000;
    const prompt = [7, 8, 9];
    const rows = Array.from({ length: R }, () => prompt);
    const o = { ...OPTIONS, maxNewTokens: 1, recordLogits: true };
    const [zp, zr] = await Promise.all(
      [policy, ref].map(async (m) => {
        const g = await sampleWithKvCache(m, [prompt], o);
        return g.logits as Float32Array;
      }),
    );
    const w = 0.5;
    const mixed = Float32Array.from(zp, (z, v) => (1 - w) * zr[v] + w * z);
    const { probs } = sampleRef(mixed, OPTIONS, 0);
    const gen = await sampleWithKvCache(policy, rows, {
      ...o,
      recordLogits: false,
      guidance: { weight: w, model: ref },
    });
    const counts = new Array<number>(probs.length).fill(0);
    for (const row of gen.tokens) counts[row[0]]++;
    // cells expected fewer than 5 times are pooled, as the chi-square approximation needs
    let stat = 0;
    let cells = 0;
    let [poolP, poolC] = [0, 0];
    probs.forEach((p, v) => {
      if (R * p < 5) {
        poolP += p;
        poolC += counts[v];
      } else {
        stat += (counts[v] - R * p) ** 2 / (R * p);
        cells++;
      }
    });
    if (poolP > 0) {
      stat += (poolC - R * poolP) ** 2 / (R * poolP);
      cells++;
    }
    expect(cells).toBeGreaterThan(4);
    // the mixture differs from both models' own distributions, so the test can tell them apart
    const pPolicy = sampleRef(zp, OPTIONS, 0).probs;
    const tv = 0.5 * probs.reduce((s, p, v) => s + Math.abs(p - pPolicy[v]), 0);
    expect(tv).toBeGreaterThan(0.05);
    expect(stat, `chi2 ${stat.toFixed(2)} over ${cells} cells`).toBeLessThan(chi2Critical(cells - 1));
    policy.dispose();
    ref.dispose();
  });

  it('refuses a reference with another vocabulary', async () => {
    const rt = await testRuntime();
    const policy = loadModel(rt, 7, 1);
    const other = modelPreset('smoke');
    const ref = GpuModel.load(
      rt,
      { ...other, vocabSize: 48 },
      initParams({ ...other, vocabSize: 48 }, rng(8)),
    );
    await expect(
      sampleWithKvCache(policy, PROMPTS, { ...OPTIONS, guidance: { weight: 0.5, model: ref } }),
    ).rejects.toThrow(/reference has 48 tokens, the policy 32/);
    policy.dispose();
    ref.dispose();
  });
});
