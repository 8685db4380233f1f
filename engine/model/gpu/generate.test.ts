import { describe, expect, it } from 'vitest';
import { tokenLogprobEntropy } from '../../../kernels/ops/token_logprob/token_logprob.js';
import { expectClose } from '../../../kernels/testing/compare.js';
import { testRuntime } from '../../../kernels/testing/gpu.js';
import { rng } from '../../../kernels/testing/random.js';
import { type ModelConfig, modelPreset } from '../config.js';
import { initParams } from '../init.js';
import { disposeBatch, layoutSequences, uploadLayout } from './batch.js';
import { sampleWithKvCache } from './generate.js';
import { GpuModel } from './model.js';

function loadModel(rt: Awaited<ReturnType<typeof testRuntime>>, config: ModelConfig, seed: number): GpuModel {
  const values = initParams(config, rng(seed));
  for (const [name, v] of values) if (!/norm|ln_/.test(name)) for (let i = 0; i < v.length; i++) v[i] *= 25;
  return GpuModel.load(rt, config, values);
}

const PROMPTS = [[5, 6, 7, 8, 9, 10], [11, 12], [13, 14, 15, 16], [17]];
const SAMPLING = { temperature: 0.9, topK: 0, topP: 1, minP: 0, greedy: false };

describe.each([
  ['gpt2', () => modelPreset('smoke')],
  ['llama', () => modelPreset('llama-micro')],
] as const)('sampleWithKvCache on a %s model', (_family, makeConfig) => {
  it('yields the logits a full recomputation gives, for mixed prompt lengths', async () => {
    const rt = await testRuntime();
    const config = makeConfig();
    const model = loadModel(rt, config, 1);
    const L = 6;
    const gen = await sampleWithKvCache(model, PROMPTS, {
      ...SAMPLING,
      maxNewTokens: L,
      seed: 9,
      step: 0,
      eos: 1,
      pad: 0,
      recordLogits: true,
    });
    const layout = layoutSequences(PROMPTS, gen.tokens, L, 0);
    const batch = uploadLayout(rt, layout);
    const { logits, hidden } = model.transformer.forward(model.params, batch);
    const full = await rt.readF32(logits);
    const V = config.vocabSize;
    const Tp = layout.T - L;
    const got: number[] = [];
    const want: number[] = [];
    PROMPTS.forEach((_, r) => {
      for (let t = 0; t < gen.tokens[r].length; t++) {
        got.push(...(gen.logits as Float32Array).subarray((r * L + t) * V, (r * L + t + 1) * V));
        want.push(...full.subarray((r * layout.T + Tp - 1 + t) * V, (r * layout.T + Tp + t) * V));
      }
    });
    expect(got.length).toBeGreaterThan(V * PROMPTS.length);
    expectClose(got, want, { atol: 2e-5, rtol: 1e-4 }, 'cached vs recomputed logits');
    for (const t of [logits, hidden]) t.dispose();
    disposeBatch(batch);
    model.dispose();
  });

  it('records log-probs and entropies equal to the trainer recomputation (within 1e-4)', async () => {
    const rt = await testRuntime();
    const config = makeConfig();
    const model = loadModel(rt, config, 2);
    const L = 7;
    const gen = await sampleWithKvCache(model, PROMPTS, {
      ...SAMPLING,
      topK: 5,
      maxNewTokens: L,
      seed: 3,
      step: 4,
      eos: 1,
      pad: 0,
    });
    const layout = layoutSequences(PROMPTS, gen.tokens, L, 0);
    const batch = uploadLayout(rt, layout);
    const { logits, hidden } = model.transformer.forward(model.params, batch);
    // the token at completion slot t is predicted at position Tp-1+t
    const Tp = layout.T - L;
    const chosen = new Int32Array(layout.B * layout.T).fill(-1);
    PROMPTS.forEach((_, r) => {
      gen.tokens[r].forEach((tok, t) => {
        chosen[r * layout.T + Tp - 1 + t] = tok;
      });
    });
    const tokens = rt.upload(chosen, [chosen.length], 'chosen', 'i32');
    const re = tokenLogprobEntropy(rt, logits, tokens, { temperature: SAMPLING.temperature });
    const [lp, ent] = await rt.readMany([re.logprob, re.entropy]);
    const gotLp = gen.logprobs.flat();
    const gotH = gen.entropies.flat();
    const wantLp: number[] = [];
    const wantH: number[] = [];
    PROMPTS.forEach((_, r) => {
      for (let t = 0; t < gen.tokens[r].length; t++) {
        wantLp.push(lp[r * layout.T + Tp - 1 + t]);
        wantH.push(ent[r * layout.T + Tp - 1 + t]);
      }
    });
    expectClose(gotLp, wantLp, { atol: 1e-4, rtol: 0 }, 'sampler vs trainer log-probs');
    expectClose(gotH, wantH, { atol: 1e-4, rtol: 0 }, 'sampler vs trainer entropies');
    for (const t of [logits, hidden, tokens, re.logprob, re.entropy, re.lse]) t.dispose();
    disposeBatch(batch);
    model.dispose();
  });

  it('forced prefixes: the rows begin with them, and every log-prob and entropy (forced or drawn) equals the trainer recomputation', async () => {
    const rt = await testRuntime();
    const config = makeConfig();
    const model = loadModel(rt, config, 2);
    const L = 7;
    const forced = [[2, 3, 4], [], [7], [5, 5, 6, 2, 9, 3]];
    const gen = await sampleWithKvCache(model, PROMPTS, {
      ...SAMPLING,
      topK: 5,
      maxNewTokens: L,
      seed: 3,
      step: 4,
      eos: 1,
      pad: 0,
      forced,
    });
    forced.forEach((f, r) => {
      expect(gen.tokens[r].slice(0, f.length)).toEqual(f);
    });
    expect(gen.tokens[3].length).toBe(L); // 6 forced + 1 drawn
    const layout = layoutSequences(PROMPTS, gen.tokens, L, 0);
    const batch = uploadLayout(rt, layout);
    const { logits, hidden } = model.transformer.forward(model.params, batch);
    // the token at completion slot t is predicted at position Tp-1+t
    const Tp = layout.T - L;
    const chosen = new Int32Array(layout.B * layout.T).fill(-1);
    PROMPTS.forEach((_, r) => {
      gen.tokens[r].forEach((tok, t) => {
        chosen[r * layout.T + Tp - 1 + t] = tok;
      });
    });
    const tokens = rt.upload(chosen, [chosen.length], 'chosen', 'i32');
    const re = tokenLogprobEntropy(rt, logits, tokens, { temperature: SAMPLING.temperature });
    const [lp, ent] = await rt.readMany([re.logprob, re.entropy]);
    const gotLp = gen.logprobs.flat();
    const gotH = gen.entropies.flat();
    const wantLp: number[] = [];
    const wantH: number[] = [];
    PROMPTS.forEach((_, r) => {
      for (let t = 0; t < gen.tokens[r].length; t++) {
        wantLp.push(lp[r * layout.T + Tp - 1 + t]);
        wantH.push(ent[r * layout.T + Tp - 1 + t]);
      }
    });
    expectClose(gotLp, wantLp, { atol: 1e-4, rtol: 0 }, 'sampler vs trainer log-probs');
    expectClose(gotH, wantH, { atol: 1e-4, rtol: 0 }, 'sampler vs trainer entropies');
    for (const t of [logits, hidden, tokens, re.logprob, re.entropy, re.lse]) t.dispose();
    disposeBatch(batch);
    model.dispose();
  });

  it('gives identical tokens for the same seed, others for another seed', async () => {
    const rt = await testRuntime();
    const model = loadModel(rt, makeConfig(), 3);
    const run = (seed: number) =>
      sampleWithKvCache(model, PROMPTS, {
        ...SAMPLING,
        temperature: 1.5,
        maxNewTokens: 8,
        seed,
        step: 0,
        eos: 1,
        pad: 0,
      });
    const a = await run(11);
    const b = await run(11);
    const c = await run(12);
    expect(a.tokens).toEqual(b.tokens);
    expect(a.logprobs).toEqual(b.logprobs);
    expect(c.tokens).not.toEqual(a.tokens);
    model.dispose();
  });
});
