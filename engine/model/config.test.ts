/**
 * config.json in and out: real HF configs of each family parse to the architecture they describe,
 * what TabRL writes parses back to the same config, and every unusable config is refused naming the field.
 */

import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  MODEL_PRESETS,
  modelPreset,
  parameterCount,
  parseHfConfig,
  toHfConfig,
} from './config.js';
import { paramSpecs } from './param-names.js';

// Abridged from the hub's config.json files (fields TabRL reads kept verbatim).
const HUB_GPT2 = {
  activation_function: 'gelu_new',
  architectures: ['GPT2LMHeadModel'],
  attn_pdrop: 0.1,
  bos_token_id: 50256,
  embd_pdrop: 0.1,
  eos_token_id: 50256,
  initializer_range: 0.02,
  layer_norm_epsilon: 1e-5,
  model_type: 'gpt2',
  n_ctx: 1024,
  n_embd: 768,
  n_head: 12,
  n_layer: 12,
  n_positions: 1024,
  resid_pdrop: 0.1,
  task_specific_params: { 'text-generation': { do_sample: true, max_length: 50 } },
  vocab_size: 50257,
};
const HUB_SMOLLM2_135M = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  bos_token_id: 0,
  eos_token_id: 0,
  hidden_act: 'silu',
  hidden_size: 576,
  intermediate_size: 1536,
  max_position_embeddings: 8192,
  model_type: 'llama',
  num_attention_heads: 9,
  num_hidden_layers: 30,
  num_key_value_heads: 3,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  rope_theta: 100000,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  vocab_size: 49152,
};
const HUB_QWEN25_05B = {
  architectures: ['Qwen2ForCausalLM'],
  bos_token_id: 151643,
  eos_token_id: 151643,
  hidden_act: 'silu',
  hidden_size: 896,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 24,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  use_sliding_window: false,
  vocab_size: 151936,
};

describe('model config', () => {
  it('parses hub configs; parameter counts match the published sizes', () => {
    const g = parseHfConfig(HUB_GPT2);
    expect([
      g.hiddenSize,
      g.numLayers,
      g.numHeads,
      g.headDim,
      g.intermediateSize,
      g.tieWordEmbeddings,
    ]).toEqual([768, 12, 12, 64, 3072, true]);
    expect(parameterCount(g)).toBe(124_439_808); // GPT2LMHeadModel, tied head
    const s = parseHfConfig(HUB_SMOLLM2_135M);
    expect([s.numKvHeads, s.headDim, s.qkvBias, s.outputBias, s.ropeTheta]).toEqual([
      3,
      64,
      false,
      false,
      100000,
    ]);
    expect(parameterCount(s)).toBe(134_515_008); // SmolLM2-135M
    const q = parseHfConfig(HUB_QWEN25_05B);
    expect([q.qkvBias, q.outputBias, q.numKvHeads, q.headDim]).toEqual([true, false, 2, 64]);
    expect(parameterCount(q)).toBe(494_032_768); // Qwen2.5-0.5B
    for (const c of [g, s, q]) {
      const counted = paramSpecs(c).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
      expect(counted).toBe(parameterCount(c));
    }
  });

  it('round-trips through config.json, keeping fields it does not interpret', () => {
    for (const hub of [HUB_GPT2, HUB_SMOLLM2_135M, HUB_QWEN25_05B]) {
      const c = parseHfConfig(hub);
      const written = toHfConfig(c);
      expect(parseHfConfig(JSON.parse(JSON.stringify(written)))).toEqual(c);
    }
    const written = toHfConfig(parseHfConfig(HUB_GPT2));
    expect(written.task_specific_params).toEqual(HUB_GPT2.task_specific_params);
    expect(written.architectures).toEqual(['GPT2LMHeadModel']);
    expect(toHfConfig(parseHfConfig(HUB_QWEN25_05B)).max_window_layers).toBe(24);
  });

  it('presets: default is docs/DESIGN.md model, smoke is smaller', () => {
    const d = modelPreset('default');
    expect([d.family, d.hiddenSize, d.numLayers, d.numHeads, d.maxPositions, d.vocabSize]).toEqual([
      'gpt2',
      128,
      4,
      4,
      64,
      32,
    ]);
    expect(parameterCount(d)).toBeGreaterThan(700_000);
    expect(parameterCount(d)).toBeLessThan(900_000);
    expect(parameterCount(modelPreset('smoke'))).toBeLessThan(parameterCount(d) / 10);
    for (const name of Object.keys(MODEL_PRESETS)) expect(() => toHfConfig(modelPreset(name))).not.toThrow();
    expect(() => modelPreset('huge')).toThrow(/unknown model preset "huge"/);
  });

  it('refuses unusable configs naming the field', () => {
    const refuse = (json: unknown, pattern: RegExp) => {
      let err: unknown;
      try {
        parseHfConfig(json);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(pattern);
    };
    refuse({ ...HUB_GPT2, model_type: 'bert' }, /model_type "bert" is not supported/);
    refuse({ ...HUB_GPT2, model_type: undefined }, /missing required field "model_type"/);
    refuse({ ...HUB_GPT2, n_embd: undefined }, /missing required field "n_embd"/);
    refuse({ ...HUB_GPT2, n_head: 0 }, /"n_head" must be a positive integer/);
    refuse({ ...HUB_GPT2, n_head: 7 }, /n_embd 768 is not divisible by n_head 7/);
    refuse({ ...HUB_GPT2, activation_function: 'relu' }, /activation_function.*not supported/);
    refuse({ ...HUB_GPT2, layer_norm_epsilon: 'small' }, /"layer_norm_epsilon" must be a positive number/);
    refuse({ ...HUB_GPT2, eos_token_id: 60000 }, /eosTokenId 60000 is outside the vocabulary/);
    refuse({ ...HUB_SMOLLM2_135M, num_key_value_heads: 4 }, /not a multiple of num_key_value_heads 4/);
    refuse(
      { ...HUB_SMOLLM2_135M, rope_scaling: { rope_type: 'llama3', factor: 8 } },
      /rope_scaling.*not supported/,
    );
    refuse(
      { ...HUB_SMOLLM2_135M, tie_word_embeddings: 'yes' },
      /"tie_word_embeddings" must be true or false/,
    );
    refuse({ ...HUB_QWEN25_05B, use_sliding_window: true }, /use_sliding_window.*not supported/);
    refuse([1, 2], /expected a JSON object/);
  });
});
