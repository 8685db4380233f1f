/**
 * The reference model as an oracle: every parameter's gradient against central finite differences on
 * micro configs of all three families (with padding, GQA, biases, untied heads), and HF semantics
 * pinned by properties that hold only when the model is wired like transformers' (causality, left
 * padding equivalence, RoPE relativity, repeat_kv head mapping, a hand-computed GPT-2 collapse).
 */

import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../kernels/testing/compare.js';
import { numericalGradient } from '../../../kernels/testing/finite-diff.js';
import { randn } from '../../../kernels/testing/random.js';
import { type ModelConfig, parseHfConfig } from '../config.js';
import { paramSpecs } from '../param-names.js';
import { type ReferenceBatch, referenceForward, referenceLossAndGrads } from './model.js';

const gpt2 = parseHfConfig({
  model_type: 'gpt2',
  n_embd: 8,
  n_layer: 2,
  n_head: 2,
  n_positions: 9,
  vocab_size: 11,
  layer_norm_epsilon: 1e-5,
});
const llama = parseHfConfig({
  model_type: 'llama',
  hidden_size: 8,
  intermediate_size: 12,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 6, // != hidden/heads, as some Llama-family configs do
  max_position_embeddings: 16,
  rms_norm_eps: 1e-6,
  rope_theta: 100,
  tie_word_embeddings: true,
  attention_bias: true,
  vocab_size: 11,
});
const qwen2 = parseHfConfig({
  model_type: 'qwen2',
  hidden_size: 8,
  intermediate_size: 12,
  num_hidden_layers: 1,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  max_position_embeddings: 16,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  tie_word_embeddings: false,
  vocab_size: 11,
});

/** Random values for every parameter (norm weights around 1, biases non-zero so their gradients matter). */
function randomParams(config: ModelConfig, seed: number): Map<string, Float64Array> {
  const params = new Map<string, Float64Array>();
  paramSpecs(config).forEach(({ name, shape }, i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = randn(seed * 1000 + i, n, 0.5);
    if (/norm\.weight$|ln_\d\.weight$|ln_f\.weight$/.test(name))
      for (let j = 0; j < n; j++) v[j] = 1 + 0.2 * v[j];
    params.set(name, v);
  });
  return params;
}

const batch: ReferenceBatch = {
  inputIds: [
    [0, 0, 3, 7, 1, 10],
    [4, 9, 2, 2, 5, 8],
  ],
  attentionMask: [
    [0, 0, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1],
  ],
  positionIds: [
    [0, 0, 0, 1, 2, 3],
    [0, 1, 2, 3, 4, 5],
  ],
  lossMask: [
    [0, 0, 0, 1, 1, 1],
    [1, 1, 1, 1, 0, 1],
  ],
};

describe('reference model: gradients vs central finite differences', () => {
  for (const [name, config] of [
    ['gpt2', gpt2],
    ['llama (GQA, head_dim 6, attention_bias, tied)', llama],
    ['qwen2 (q/k/v bias, untied head, Hkv 1)', qwen2],
  ] as const) {
    it(`${name}: every parameter`, () => {
      const params = randomParams(config, 7);
      const { grads, loss } = referenceLossAndGrads(config, params, batch);
      expect(Number.isFinite(loss)).toBe(true);
      for (const { name: p } of paramSpecs(config)) {
        const value = params.get(p)!;
        const numeric = numericalGradient((x) => {
          const trial = new Map(params);
          trial.set(p, x);
          return referenceForward(config, trial, batch).loss;
        }, value.slice());
        expectClose(grads.get(p)!, numeric, { atol: 1e-7, rtol: 1e-5 }, `${config.family} d loss / d ${p}`);
      }
    });
  }
});

describe('reference model: transformers semantics', () => {
  it('loss is the mean next-token cross-entropy over positions 0..T-2 (and honours lossMask)', () => {
    const params = randomParams(gpt2, 3);
    const ids = batch.inputIds;
    const { logits, loss } = referenceForward(gpt2, params, { inputIds: ids });
    const { loss: masked } = referenceForward(gpt2, params, { inputIds: ids, lossMask: batch.lossMask });
    const V = gpt2.vocabSize;
    const T = ids[0].length;
    let sum = 0;
    let count = 0;
    let maskedSum = 0;
    let maskedCount = 0;
    for (let b = 0; b < ids.length; b++)
      for (let t = 0; t < T - 1; t++) {
        const row = logits.subarray((b * T + t) * V, (b * T + t + 1) * V);
        const lse = Math.log(row.reduce((s, z) => s + Math.exp(z), 0));
        const nll = lse - row[ids[b][t + 1]];
        sum += nll;
        count++;
        if (batch.lossMask![b][t + 1]) {
          maskedSum += nll;
          maskedCount++;
        }
      }
    expect(loss).toBeCloseTo(sum / count, 12);
    expect(masked).toBeCloseTo(maskedSum / maskedCount, 12);
  });

  for (const config of [gpt2, llama, qwen2]) {
    it(`${config.family}: causal (a later token never changes earlier logits)`, () => {
      const params = randomParams(config, 4);
      const a = referenceForward(config, params, { inputIds: [[1, 2, 3, 4, 5]] }).logits;
      const b = referenceForward(config, params, { inputIds: [[1, 2, 3, 9, 0]] }).logits;
      const V = config.vocabSize;
      expectClose(b.subarray(0, 3 * V), a.subarray(0, 3 * V), { atol: 1e-13, rtol: 0 }, 'prefix logits');
      expect(Math.abs(b[3 * V] - a[3 * V])).toBeGreaterThan(1e-6);
    });

    it(`${config.family}: a left-padded row with HF position ids equals the unpadded row`, () => {
      const params = randomParams(config, 5);
      const plain = referenceForward(config, params, { inputIds: [[6, 2, 9]] }).logits;
      const padded = referenceForward(config, params, {
        inputIds: [[0, 0, 6, 2, 9]],
        attentionMask: [[0, 0, 1, 1, 1]],
        positionIds: [[0, 0, 0, 1, 2]], // cumsum(mask) - 1, clamped at 0
      }).logits;
      const V = config.vocabSize;
      expectClose(padded.subarray(2 * V), plain, { atol: 1e-12, rtol: 0 }, 'padded logits');
    });
  }

  it('llama/qwen2: RoPE attention is relative (shifting every position changes nothing)', () => {
    for (const config of [llama, qwen2]) {
      const params = randomParams(config, 6);
      const ids = [[3, 1, 4, 1, 5]];
      const a = referenceForward(config, params, { inputIds: ids }).logits;
      const b = referenceForward(config, params, { inputIds: ids, positionIds: [[7, 8, 9, 10, 11]] }).logits;
      expectClose(b, a, { atol: 1e-11, rtol: 0 }, `${config.family} shifted positions`);
    }
  });

  it('llama: GQA maps query head h to kv head floor(h / (H/Hkv)), as repeat_kv', () => {
    const params = randomParams(llama, 8);
    const full: ModelConfig = { ...llama, numKvHeads: llama.numHeads };
    const fullParams = new Map(params);
    const D = llama.headDim;
    const C = llama.hiddenSize;
    const rep = llama.numHeads / llama.numKvHeads;
    for (let l = 0; l < llama.numLayers; l++)
      for (const proj of ['k_proj', 'v_proj']) {
        const w = params.get(`model.layers.${l}.self_attn.${proj}.weight`)!; // [Hkv·D, C]
        const b = params.get(`model.layers.${l}.self_attn.${proj}.bias`)!;
        const wide = new Float64Array(full.numKvHeads * D * C);
        const wideBias = new Float64Array(full.numKvHeads * D);
        for (let h = 0; h < full.numKvHeads; h++) {
          const src = Math.floor(h / rep);
          wide.set(w.subarray(src * D * C, (src + 1) * D * C), h * D * C);
          wideBias.set(b.subarray(src * D, (src + 1) * D), h * D);
        }
        fullParams.set(`model.layers.${l}.self_attn.${proj}.weight`, wide);
        fullParams.set(`model.layers.${l}.self_attn.${proj}.bias`, wideBias);
      }
    const ids = [[2, 7, 1, 8, 2, 8]];
    const gqa = referenceForward(llama, params, { inputIds: ids }).logits;
    const mha = referenceForward(full, fullParams, { inputIds: ids }).logits;
    expectClose(gqa, mha, { atol: 1e-12, rtol: 0 }, 'GQA vs repeated heads');
  });

  it('gpt2 with zeroed blocks collapses to LayerNorm(wte + wpe) · wteᵀ (hand computation)', () => {
    const params = randomParams(gpt2, 9);
    for (const [name, v] of params) if (name.includes('.h.')) v.fill(0);
    const ids = [5, 1, 7];
    const logits = referenceForward(gpt2, params, { inputIds: [ids] }).logits;
    const C = gpt2.hiddenSize;
    const V = gpt2.vocabSize;
    const wte = params.get('transformer.wte.weight')!;
    const wpe = params.get('transformer.wpe.weight')!;
    const g = params.get('transformer.ln_f.weight')!;
    const beta = params.get('transformer.ln_f.bias')!;
    const expected: number[] = [];
    ids.forEach((id, t) => {
      const x = Array.from({ length: C }, (_, c) => wte[id * C + c] + wpe[t * C + c]);
      const mean = x.reduce((a, b) => a + b) / C;
      const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / C;
      const y = x.map((v, c) => ((v - mean) / Math.sqrt(variance + 1e-5)) * g[c] + beta[c]);
      for (let v = 0; v < V; v++) expected.push(y.reduce((s, yc, c) => s + yc * wte[v * C + c], 0));
    });
    expectClose(logits, expected, { atol: 1e-12, rtol: 0 }, 'collapsed gpt2 logits');
  });
});
