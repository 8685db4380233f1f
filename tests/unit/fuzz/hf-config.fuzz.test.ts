/**
 * config.json fuzzed through parseHfConfig, then what a loaded config is used for at once (the
 * parameter list, the parameter count, and writing config.json back). Refusals must be ConfigError with
 * a message. Starting points: every preset's config.json (gpt2, llama, qwen2) and hub-shaped ones
 * (GPT-2 small, Qwen2.5-0.5B, SmolLM2-135M with rope_parameters), with fields of the wrong type,
 * removed, added or nested deep; plus random JSON and random text parsed first as the callers do.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  MODEL_PRESETS,
  parameterCount,
  parseHfConfig,
  toHfConfig,
} from '../../../engine/model/config.js';
import { paramSpecs } from '../../../engine/model/param-names.js';
import { family, fuzzParser, fuzzTimeout } from './harness.js';
import { mutatedJsonValue, randomText } from './mutate.js';

const GPT2_SMALL = {
  architectures: ['GPT2LMHeadModel'],
  model_type: 'gpt2',
  activation_function: 'gelu_new',
  n_embd: 768,
  n_head: 12,
  n_layer: 12,
  n_positions: 1024,
  n_ctx: 1024,
  n_inner: null,
  vocab_size: 50257,
  layer_norm_epsilon: 1e-5,
  bos_token_id: 50256,
  eos_token_id: 50256,
  scale_attn_weights: true,
  resid_pdrop: 0.1,
  task_specific_params: { 'text-generation': { do_sample: true, max_length: 50 } },
};
const QWEN25_05B = {
  architectures: ['Qwen2ForCausalLM'],
  model_type: 'qwen2',
  hidden_size: 896,
  intermediate_size: 4864,
  num_hidden_layers: 24,
  num_attention_heads: 14,
  num_key_value_heads: 2,
  max_position_embeddings: 32768,
  rms_norm_eps: 1e-6,
  rope_theta: 1_000_000,
  rope_scaling: null,
  hidden_act: 'silu',
  tie_word_embeddings: true,
  use_sliding_window: false,
  sliding_window: 32768,
  vocab_size: 151936,
  bos_token_id: 151643,
  eos_token_id: 151645,
  torch_dtype: 'bfloat16',
};
const SMOLLM2_135M = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 576,
  intermediate_size: 1536,
  num_hidden_layers: 30,
  num_attention_heads: 9,
  num_key_value_heads: 3,
  head_dim: 64,
  max_position_embeddings: 8192,
  rms_norm_eps: 1e-5,
  rope_parameters: { rope_type: 'default', rope_theta: 100000 },
  attention_bias: false,
  mlp_bias: false,
  hidden_act: 'silu',
  tie_word_embeddings: true,
  vocab_size: 49152,
  bos_token_id: 0,
  eos_token_id: [0, 2],
  pad_token_id: null,
  dtype: 'bfloat16',
};
const VALID = [
  ...Object.values(MODEL_PRESETS).map((preset) => toHfConfig(preset())),
  GPT2_SMALL,
  QWEN25_05B,
  SMOLLM2_135M,
];

/** Parses and uses the config as the loaders do next. */
function loadConfig(json: unknown): 'parsed' {
  const config = parseHfConfig(json);
  paramSpecs(config);
  parameterCount(config);
  parseHfConfig(JSON.parse(JSON.stringify(toHfConfig(config))));
  return 'parsed';
}

/** Text as the callers read it: JSON.parse first (its SyntaxError is theirs to word, and is not under test). */
function parseText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const inputs = fc.oneof(
  family('random text, parsed', randomText().map(parseText)),
  family('random JSON', fc.jsonValue({ maxDepth: 3 })),
  family('valid', fc.constantFrom(...VALID)),
  family('valid, fields mutated', fc.oneof(...VALID.map(mutatedJsonValue))),
  family(
    'valid, model_type swapped',
    fc
      .tuple(fc.constantFrom(...VALID), fc.constantFrom('gpt2', 'llama', 'qwen2', 'mistral', ''))
      .map(([c, t]) => ({
        ...c,
        model_type: t,
      })),
  ),
);

describe('fuzz: config.json', () => {
  it(
    'every config.json loads (and writes back) or is refused with a ConfigError',
    () => {
      const report = fuzzParser('config.json', inputs, loadConfig, (e) => e instanceof ConfigError);
      expect(report.families.valid.refused).toBe(0);
    },
    fuzzTimeout(),
  );

  it('regression: a field nested 20,000 levels deep is a ConfigError (was a RangeError in the message)', () => {
    const deep = JSON.parse('['.repeat(20_000) + ']'.repeat(20_000));
    for (const key of ['n_embd', 'eos_token_id', 'activation_function']) {
      expect(() => parseHfConfig({ ...GPT2_SMALL, [key]: deep })).toThrow(ConfigError);
    }
  });

  it('regression: n_layer 2^53 is refused (the parameter listing looped 2^53 times)', () => {
    expect(() => parseHfConfig({ ...GPT2_SMALL, n_layer: 2 ** 53 })).toThrow(
      /numLayers 9007199254740992 is beyond/,
    );
  });
});
