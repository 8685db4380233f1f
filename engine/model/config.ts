/**
 * The model's architecture, read from and written to a Hugging Face `config.json` so a TabRL checkpoint
 * loads in `transformers` unchanged and a `transformers` checkpoint of the gpt2/llama/qwen2 families loads
 * here. One flat `ModelConfig` serves all three families; fields a family fixes (GPT-2's learned
 * positions, Qwen2's q/k/v-only bias) are derived here once, so kernels never branch on `model_type`.
 */

import { MAX_JSON_DEPTH, nestedDeeperThan, previewJson } from '../json-depth.js';

export type ModelFamily = 'gpt2' | 'llama' | 'qwen2';
export const MODEL_FAMILIES: readonly ModelFamily[] = ['gpt2', 'llama', 'qwen2'];

export interface ModelConfig {
  family: ModelFamily;
  vocabSize: number; // V
  hiddenSize: number; // C
  numLayers: number;
  numHeads: number; // H
  numKvHeads: number; // Hkv (GPT-2: = H)
  headDim: number; // D (C / H unless llama/qwen2 `head_dim` says otherwise)
  intermediateSize: number; // F (GPT-2: n_inner ?? 4C)
  maxPositions: number; // n_positions / max_position_embeddings
  normEps: number; // layer_norm_epsilon / rms_norm_eps
  ropeTheta: number; // llama/qwen2 only (GPT-2 keeps 10000, unused)
  tieWordEmbeddings: boolean; // lm_head shares the token embedding
  qkvBias: boolean; // GPT-2, Qwen2: always; Llama: attention_bias
  outputBias: boolean; // bias on the attention output projection (GPT-2: yes, Qwen2: no, Llama: attention_bias)
  bosTokenId: number | null;
  eosTokenId: number | null;
  padTokenId: number | null;
  torchDtype: string; // what config.json says the weights are stored as
  /** Fields of the source config.json that TabRL does not interpret, kept so a round trip loses nothing. */
  extra: Record<string, unknown>;
}

/** Derived architecture facts, one switch per family. */
export function normKind(c: ModelConfig): 'layernorm' | 'rmsnorm' {
  return c.family === 'gpt2' ? 'layernorm' : 'rmsnorm';
}
export function activationKind(c: ModelConfig): 'gelu_new' | 'silu' {
  return c.family === 'gpt2' ? 'gelu_new' : 'silu';
}
export function positionKind(c: ModelConfig): 'learned' | 'rope' {
  return c.family === 'gpt2' ? 'learned' : 'rope';
}

/** Raised for any config.json TabRL cannot use; the message names the field. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

function field(
  json: Json,
  key: string,
  what: 'int' | 'posint' | 'number' | 'bool',
  fallback?: unknown,
): unknown {
  const v = key in json && json[key] !== null ? json[key] : fallback;
  if (v === undefined) throw new ConfigError(`config.json: missing required field "${key}"`);
  const bad = (want: string) =>
    new ConfigError(`config.json: field "${key}" must be ${want}, got ${previewJson(v)}`);
  switch (what) {
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad('an integer');
      return v;
    case 'posint':
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw bad('a positive integer');
      return v;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw bad('a positive number');
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw bad('true or false');
      return v;
    default:
      return what satisfies never;
  }
}
const int = (j: Json, k: string, f?: number) => field(j, k, 'posint', f) as number;
const num = (j: Json, k: string, f?: number) => field(j, k, 'number', f) as number;
const bool = (j: Json, k: string, f?: boolean) => field(j, k, 'bool', f) as boolean;

/** A token id field: null/absent allowed; an int; a list (HF allows several EOS) keeps its first entry. */
function tokenId(json: Json, key: string): number | null {
  let v = json[key];
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) v = v[0];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new ConfigError(`config.json: field "${key}" must be a token id, got ${previewJson(json[key])}`);
  return v;
}

function refuseUnless(json: Json, key: string, ok: (v: unknown) => boolean, why: string): void {
  if (key in json && json[key] !== null && !ok(json[key]))
    throw new ConfigError(`config.json: "${key}" = ${previewJson(json[key])} is not supported (${why})`);
}

const GPT2_KEYS = [
  'n_embd',
  'n_layer',
  'n_head',
  'n_inner',
  'n_positions',
  'n_ctx',
  'vocab_size',
  'layer_norm_epsilon',
  'activation_function',
  'tie_word_embeddings',
  'scale_attn_weights',
  'scale_attn_by_inverse_layer_idx',
  'reorder_and_upcast_attn',
];
const LLAMA_KEYS = [
  'hidden_size',
  'intermediate_size',
  'num_hidden_layers',
  'num_attention_heads',
  'num_key_value_heads',
  'head_dim',
  'max_position_embeddings',
  'rms_norm_eps',
  'rope_theta',
  'tie_word_embeddings',
  'attention_bias',
  'vocab_size',
  'hidden_act',
  'mlp_bias',
  'rope_scaling',
  'rope_parameters',
  'use_sliding_window',
];
const COMMON_KEYS = [
  'model_type',
  'architectures',
  'torch_dtype',
  'dtype',
  'bos_token_id',
  'eos_token_id',
  'pad_token_id',
];

/** Parses a HF config.json object (already JSON-parsed) into a validated ModelConfig. */
export function parseHfConfig(input: unknown): ModelConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ConfigError('config.json: expected a JSON object');
  // fields TabRL does not read are kept and written back (toHfConfig), so the whole file is bounded here
  if (nestedDeeperThan(input))
    throw new ConfigError(
      `config.json: nests more than ${MAX_JSON_DEPTH} levels deep; a model config nests a few levels at most`,
    );
  const json = input as Json;
  const family = json.model_type;
  if (typeof family !== 'string') throw new ConfigError('config.json: missing required field "model_type"');
  if (!MODEL_FAMILIES.includes(family as ModelFamily))
    throw new ConfigError(
      `config.json: model_type "${family}" is not supported (TabRL reads ${MODEL_FAMILIES.join(', ')})`,
    );
  const base = {
    bosTokenId: tokenId(json, 'bos_token_id'),
    eosTokenId: tokenId(json, 'eos_token_id'),
    padTokenId: tokenId(json, 'pad_token_id'),
    // transformers >= 4.56 writes `dtype`; older configs (most of the hub) say `torch_dtype`
    torchDtype: [json.dtype, json.torch_dtype].find((v) => typeof v === 'string') ?? 'float32',
  };
  let config: ModelConfig;
  const f = family as ModelFamily;
  switch (f) {
    case 'gpt2': {
      refuseUnless(json, 'activation_function', (v) => v === 'gelu_new', 'TabRL implements gelu_new only');
      refuseUnless(json, 'scale_attn_weights', (v) => v === true, 'attention must be scaled by 1/sqrt(D)');
      refuseUnless(json, 'scale_attn_by_inverse_layer_idx', (v) => v === false, 'not implemented');
      refuseUnless(json, 'reorder_and_upcast_attn', (v) => v === false, 'not implemented');
      const C = int(json, 'n_embd');
      const H = int(json, 'n_head');
      if (C % H !== 0) throw new ConfigError(`config.json: n_embd ${C} is not divisible by n_head ${H}`);
      config = {
        family: f,
        vocabSize: int(json, 'vocab_size'),
        hiddenSize: C,
        numLayers: int(json, 'n_layer'),
        numHeads: H,
        numKvHeads: H,
        headDim: C / H,
        intermediateSize: int(json, 'n_inner', 4 * C),
        maxPositions: int(json, 'n_positions'),
        normEps: num(json, 'layer_norm_epsilon', 1e-5),
        ropeTheta: 10000,
        tieWordEmbeddings: bool(json, 'tie_word_embeddings', true),
        qkvBias: true,
        outputBias: true,
        ...base,
        extra: pickExtra(json, GPT2_KEYS),
      };
      break;
    }
    case 'llama':
    case 'qwen2': {
      refuseUnless(json, 'hidden_act', (v) => v === 'silu', 'TabRL implements silu only');
      refuseUnless(json, 'mlp_bias', (v) => v === false, 'MLP biases are not implemented');
      refuseUnless(json, 'rope_scaling', () => false, 'only plain RoPE is implemented');
      const rope = ropeParameters(json);
      refuseUnless(
        json,
        'use_sliding_window',
        (v) => v === false,
        'sliding-window attention is not implemented',
      );
      const C = int(json, 'hidden_size');
      const H = int(json, 'num_attention_heads');
      const Hkv = int(json, 'num_key_value_heads', H);
      if (H % Hkv !== 0)
        throw new ConfigError(
          `config.json: num_attention_heads ${H} is not a multiple of num_key_value_heads ${Hkv}`,
        );
      if (!('head_dim' in json) && C % H !== 0)
        throw new ConfigError(`config.json: hidden_size ${C} is not divisible by num_attention_heads ${H}`);
      const D = int(json, 'head_dim', C / H);
      if (D % 2 !== 0) throw new ConfigError(`config.json: head dimension ${D} must be even for RoPE`);
      const bias = f === 'qwen2' ? true : bool(json, 'attention_bias', false);
      config = {
        family: f,
        vocabSize: int(json, 'vocab_size'),
        hiddenSize: C,
        numLayers: int(json, 'num_hidden_layers'),
        numHeads: H,
        numKvHeads: Hkv,
        headDim: D,
        intermediateSize: int(json, 'intermediate_size'),
        maxPositions: int(json, 'max_position_embeddings'),
        normEps: num(json, 'rms_norm_eps', 1e-6),
        ropeTheta: rope.rope_theta ?? num(json, 'rope_theta', 10000),
        tieWordEmbeddings: bool(json, 'tie_word_embeddings', false),
        qkvBias: bias,
        outputBias: f === 'qwen2' ? false : bias,
        ...base,
        extra: pickExtra(json, LLAMA_KEYS),
      };
      break;
    }
    default:
      throw f satisfies never;
  }
  validateModelConfig(config);
  return config;
}

/**
 * transformers 5 keeps RoPE settings in `rope_parameters` ({rope_type, rope_theta, ...}) where 4.x had
 * top-level `rope_theta` / `rope_scaling`; both spellings are read, and only plain RoPE is accepted.
 */
function ropeParameters(json: Json): { rope_theta?: number } {
  const p = json.rope_parameters;
  if (p === undefined || p === null) return {};
  if (typeof p !== 'object' || Array.isArray(p))
    throw new ConfigError(`config.json: "rope_parameters" must be an object, got ${previewJson(p)}`);
  const params = p as Json;
  refuseUnless(params, 'rope_type', (v) => v === 'default', 'only plain RoPE is implemented');
  const extra = Object.keys(params).filter((k) => k !== 'rope_type' && k !== 'rope_theta');
  if (extra.length > 0)
    throw new ConfigError(
      `config.json: rope_parameters ${extra.join(', ')} are not supported (only plain RoPE is implemented)`,
    );
  return 'rope_theta' in params ? { rope_theta: num(params, 'rope_theta') } : {};
}

function pickExtra(json: Json, known: string[]): Record<string, unknown> {
  const skip = new Set([...known, ...COMMON_KEYS]);
  return Object.fromEntries(Object.entries(json).filter(([k]) => !skip.has(k)));
}

/** Upper bounds of each size, several times the largest published models' (Llama 3.1 405B: 126 layers, C 16384). */
const MAX_SIZES = {
  vocabSize: 2 ** 24,
  hiddenSize: 2 ** 17,
  numLayers: 1024,
  numHeads: 4096,
  numKvHeads: 4096,
  headDim: 2 ** 14,
  intermediateSize: 2 ** 20,
  maxPositions: 2 ** 25,
} as const satisfies Partial<Record<keyof ModelConfig, number>>;

/** Checks invariants of a ModelConfig built in code (presets, UI); throws ConfigError naming the field. */
export function validateModelConfig(c: ModelConfig): void {
  for (const [k, max] of Object.entries(MAX_SIZES) as [keyof typeof MAX_SIZES, number][]) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
      throw new ConfigError(`model config: ${k} must be a positive integer, got ${previewJson(v)}`);
    // a config.json with n_layer 2^53 would otherwise pass and hang the parameter listing
    if (v > max)
      throw new ConfigError(
        `model config: ${k} ${v} is beyond any real model (at most ${max}); is config.json damaged?`,
      );
  }
  if (c.numHeads % c.numKvHeads !== 0)
    throw new ConfigError(
      `model config: numHeads ${c.numHeads} is not a multiple of numKvHeads ${c.numKvHeads}`,
    );
  if (c.family === 'gpt2' && (c.numKvHeads !== c.numHeads || c.headDim * c.numHeads !== c.hiddenSize))
    throw new ConfigError(
      'model config: gpt2 needs numKvHeads = numHeads and headDim = hiddenSize / numHeads',
    );
  if (c.family !== 'gpt2' && c.headDim % 2 !== 0)
    throw new ConfigError(`model config: headDim ${c.headDim} must be even for RoPE`);
  if (!(c.normEps > 0) || !(c.ropeTheta > 0))
    throw new ConfigError('model config: normEps and ropeTheta must be > 0');
  for (const k of ['bosTokenId', 'eosTokenId', 'padTokenId'] as const) {
    const v = c[k];
    if (v !== null && (!Number.isInteger(v) || v < 0 || v >= c.vocabSize))
      throw new ConfigError(`model config: ${k} ${v} is outside the vocabulary [0, ${c.vocabSize})`);
  }
}

/** The config.json object `transformers` expects for this config (HF field names). */
export function toHfConfig(c: ModelConfig): Record<string, unknown> {
  validateModelConfig(c);
  const ids = { bos_token_id: c.bosTokenId, eos_token_id: c.eosTokenId, pad_token_id: c.padTokenId };
  switch (c.family) {
    case 'gpt2':
      return {
        ...c.extra,
        architectures: ['GPT2LMHeadModel'],
        model_type: 'gpt2',
        vocab_size: c.vocabSize,
        n_embd: c.hiddenSize,
        n_layer: c.numLayers,
        n_head: c.numHeads,
        n_inner: c.intermediateSize === 4 * c.hiddenSize ? null : c.intermediateSize,
        n_positions: c.maxPositions,
        n_ctx: c.maxPositions,
        layer_norm_epsilon: c.normEps,
        activation_function: 'gelu_new',
        tie_word_embeddings: c.tieWordEmbeddings,
        // TabRL trains without dropout; saying so keeps a transformers fine-tune of this checkpoint comparable.
        resid_pdrop: c.extra.resid_pdrop ?? 0,
        embd_pdrop: c.extra.embd_pdrop ?? 0,
        attn_pdrop: c.extra.attn_pdrop ?? 0,
        dtype: c.torchDtype,
        torch_dtype: c.torchDtype, // the pre-4.56 name, for older transformers
        ...ids,
      };
    case 'llama':
    case 'qwen2':
      return {
        ...c.extra,
        architectures: [c.family === 'llama' ? 'LlamaForCausalLM' : 'Qwen2ForCausalLM'],
        model_type: c.family,
        vocab_size: c.vocabSize,
        hidden_size: c.hiddenSize,
        intermediate_size: c.intermediateSize,
        num_hidden_layers: c.numLayers,
        num_attention_heads: c.numHeads,
        num_key_value_heads: c.numKvHeads,
        head_dim: c.headDim,
        max_position_embeddings: c.maxPositions,
        rms_norm_eps: c.normEps,
        // both RoPE spellings: 4.x reads rope_theta, 5.x rope_parameters (it would also convert rope_theta)
        rope_theta: c.ropeTheta,
        rope_scaling: null,
        rope_parameters: { rope_type: 'default', rope_theta: c.ropeTheta },
        hidden_act: 'silu',
        tie_word_embeddings: c.tieWordEmbeddings,
        ...(c.family === 'llama'
          ? { attention_bias: c.qkvBias, mlp_bias: false }
          : { use_sliding_window: false }),
        dtype: c.torchDtype,
        torch_dtype: c.torchDtype, // the pre-4.56 name, for older transformers
        ...ids,
      };
    default:
      throw c.family satisfies never;
  }
}

/** Parameter count (weights only; tied embeddings counted once). */
export function parameterCount(c: ModelConfig): number {
  const C = c.hiddenSize;
  const qkvOut = (c.numHeads + 2 * c.numKvHeads) * c.headDim;
  const attn = C * qkvOut + (c.qkvBias ? qkvOut : 0) + c.numHeads * c.headDim * C + (c.outputBias ? C : 0);
  const gpt2 = c.family === 'gpt2';
  const mlp = gpt2 ? 2 * C * c.intermediateSize + c.intermediateSize + C : 3 * C * c.intermediateSize;
  const norms = gpt2 ? 4 * C : 2 * C;
  const embed =
    c.vocabSize * C + (gpt2 ? c.maxPositions * C : 0) + (c.tieWordEmbeddings ? 0 : c.vocabSize * C);
  return embed + c.numLayers * (attn + mlp + norms) + (gpt2 ? 2 * C : C);
}

function gpt2Preset(C: number, layers: number, heads: number, positions: number, vocab: number): ModelConfig {
  return parseHfConfig({
    model_type: 'gpt2',
    n_embd: C,
    n_layer: layers,
    n_head: heads,
    n_positions: positions,
    vocab_size: vocab,
    layer_norm_epsilon: 1e-5,
    bos_token_id: 1,
    eos_token_id: 1,
    pad_token_id: 0,
  });
}

/**
 * Named architectures. `default` is docs/DESIGN.md's first preset; its vocab_size (32) is the size of the
 * default character tokenizer (engine/tokenizers/char-tokenizer.ts: <pad>=0, <eos>=1, 30 symbols).
 * `smoke` is the micro cousin for tests; the `*-micro` ones exercise RoPE, GQA and biases in tests.
 */
export const MODEL_PRESETS = {
  default: () => gpt2Preset(128, 4, 4, 64, 32),
  smoke: () => gpt2Preset(32, 2, 2, 32, 32),
  'llama-micro': () =>
    parseHfConfig({
      model_type: 'llama',
      hidden_size: 32,
      intermediate_size: 48,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      max_position_embeddings: 32,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      tie_word_embeddings: true,
      vocab_size: 32,
      bos_token_id: 1,
      eos_token_id: 1,
      pad_token_id: 0,
    }),
  'qwen2-micro': () =>
    parseHfConfig({
      model_type: 'qwen2',
      hidden_size: 32,
      intermediate_size: 48,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 1,
      max_position_embeddings: 32,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000,
      tie_word_embeddings: false,
      vocab_size: 32,
      eos_token_id: 1,
      pad_token_id: 0,
    }),
} as const satisfies Record<string, () => ModelConfig>;

export type ModelPresetName = keyof typeof MODEL_PRESETS;

export function modelPreset(name: string): ModelConfig {
  if (!(name in MODEL_PRESETS))
    throw new ConfigError(`unknown model preset "${name}" (known: ${Object.keys(MODEL_PRESETS).join(', ')})`);
  return MODEL_PRESETS[name as ModelPresetName]();
}
