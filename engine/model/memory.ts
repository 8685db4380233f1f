/**
 * How much GPU memory a run needs, estimated from the model's config.json and the RunConfig before any
 * weights download, and whether the adapter can hold it: the token embedding and an untied LM head are
 * stored as row chunks when larger than one storage binding (gpu/params.ts), every other tensor must
 * fit one binding (maxStorageBufferBindingSize, and maxBufferSize), and the total must fit the budget. The
 * estimate counts what TabRL allocates (engine/model/gpu, engine/train): float32 weights (under LoRA the
 * frozen base's matrices in f16, gpu/params.ts), gradients and AdamW moments of what trains (the adapters
 * only under LoRA), the reference copy when beta > 0, for asft's SFT anchor or for guidance_weight ≠ 1
 * (none under LoRA: it is the base with adapters off), one micro-batch's saved activations, one piece
 * of its logits (head-pieces.ts), and the KV cache (under guidance also θ_ref's, for an eval call's rows).
 */

import { planRowChunks } from '../../kernels/runtime/row-chunks.js';
import { stageConfigs } from '../config/resolve.js';
import type { RunConfig } from '../config/schema.js';
import { type ModelConfig, parameterCount } from './config.js';
import { headPieceRows } from './head-pieces.js';
import { loraParamSpecs } from './lora.js';
import { paramSpecs, splittableParams } from './param-names.js';

export interface AdapterLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/** WebGPU's default limits (what an adapter grants unless more is requested). */
export const DEFAULT_LIMITS: AdapterLimits = {
  maxStorageBufferBindingSize: 128 * 2 ** 20,
  maxBufferSize: 256 * 2 ** 20,
};

/** What a run may use in all unless told otherwise: a mid-range desktop GPU's share for one tab. */
export const DEFAULT_BUDGET_BYTES = 4 * 2 ** 30;

export interface MemoryOptions {
  limits?: AdapterLimits;
  /** Total bytes the run may use. Default DEFAULT_BUDGET_BYTES (4 GiB). */
  budgetBytes?: number;
  /**
   * Prompt tokens per row (the longest prompt of a step sets every row's length). Default
   * `assumedPromptTokens(run)`: before the tokenizer is known, 32 for the task's short prompts and a
   * chat template's markers plus the system prompt's UTF-8 bytes (a byte-level BPE makes at most one
   * token of each byte). The trainer checks again with its measured prompts once the tokenizer is loaded.
   */
  promptTokens?: number;
}

export interface MemoryEstimate {
  mode: 'full' | 'lora';
  parameters: number;
  trainableParameters: number;
  /** Bytes by what they hold. */
  parts: {
    weights: number;
    gradients: number;
    optimizer: number;
    reference: number;
    activations: number;
    logits: number;
    kvCache: number;
  };
  total: number;
  /** The largest tensor, split or not. */
  largestTensor: { name: string; bytes: number };
  /** [V,C] tables above the binding limit, stored as this many row chunks each. */
  splitTensors: { name: string; bytes: number; chunks: number }[];
  /** The shapes the estimate assumed. */
  shapes: { microBatchRows: number; tokensPerRow: number; promptTokens: number; generationRows: number };
  limits: AdapterLimits;
  budgetBytes: number;
  fits: boolean;
  /** Why it does not fit (empty when it does). */
  problems: string[];
}

const F32 = 4;
const F16 = 2;

/** Prompt tokens assumed for the task's own short prompts and a chat template's role markers. */
export const DEFAULT_PROMPT_TOKENS = 32;

/** Prompt tokens assumed before the tokenizer is known: see MemoryOptions.promptTokens. */
/** Whether the run's SFT updates take asft's KL to the reference (algorithm sft or rft, or sft_steps). */
function anchoredSft(run: RunConfig): boolean {
  return run.sft_loss === 'asft' && (run.algorithm === 'sft' || run.algorithm === 'rft' || run.sft_steps > 0);
}

/**
 * Whether the run holds θ_ref (docs/ALGORITHMS.md "The reference θ_ref"): beta > 0, asft's anchor, the
 * greedy answerer of `sft_targets: self_when_correct` (its generation fits the rollout's KV cache), or
 * guidance in evaluation.
 */
export function holdsReference(run: RunConfig): boolean {
  return run.beta > 0 || anchoredSft(run) || run.sft_targets === 'self_when_correct' || guided(run);
}

/** Whether evaluation samples under guidance, running θ_ref beside the policy (w ≠ 1). */
function guided(run: RunConfig): boolean {
  return run.guidance_weight !== 1;
}

/** Rows of one evaluation generation call (engine/train/evaluate.ts ROWS_PER_CALL = 128). */
function evalRows(run: RunConfig): number {
  const n = run.eval_samples;
  return Math.min(Math.max(1, Math.floor(128 / n)), run.eval_prompts) * n;
}

export function assumedPromptTokens(run: Pick<RunConfig, 'system_prompt'>): number {
  return DEFAULT_PROMPT_TOKENS + new TextEncoder().encode(run.system_prompt ?? '').length;
}

/** Bytes of the model's weights: all float32, or (a frozen LoRA base) matrices in f16 but GPT-2's wpe. */
function weightBytes(model: ModelConfig, halfMatrices: boolean): number {
  return paramSpecs(model).reduce((n, s) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const half = halfMatrices && s.shape.length === 2 && s.name !== 'transformer.wpe.weight';
    return n + size * (half ? F16 : F32);
  }, 0);
}

export function estimateRunMemory(
  model: ModelConfig,
  run: RunConfig,
  options: MemoryOptions = {},
): MemoryEstimate {
  // a staged run needs what its largest stage needs (stages may change batch, lengths, reference)
  const estimates = stageConfigs(run).map((stage, i) => estimateStageMemory(model, stage, options, i > 0));
  return estimates.reduce((a, b) => (b.total > a.total ? b : a));
}

function estimateStageMemory(
  model: ModelConfig,
  run: RunConfig,
  options: MemoryOptions,
  /** A stage after the first: under LoRA its θ_ref holds a frozen copy of the adapters. */
  laterStage = false,
): MemoryEstimate {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const budgetBytes = options.budgetBytes ?? DEFAULT_BUDGET_BYTES;
  const C = model.hiddenSize;
  const F = model.intermediateSize;
  const V = model.vocabSize;
  const { numHeads: H, numKvHeads: Hkv, headDim: D, numLayers: L } = model;
  const P = parameterCount(model);
  const lora = run.lora;
  const trainable = lora
    ? loraParamSpecs(model, {
        rank: lora.rank,
        alpha: lora.alpha,
        targetModules: lora.target_modules,
      }).reduce((n, s) => n + s.shape[0] * s.shape[1], 0)
    : P;
  const generationRows = run.prompts_per_step * run.num_generations;
  const microBatchRows = Math.ceil(generationRows / run.gradient_accumulation);
  const promptTokens = options.promptTokens ?? assumedPromptTokens(run);
  const T = Math.min(model.maxPositions, promptTokens + run.max_completion_length);
  const N = microBatchRows * T;
  const bindLimit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const headRows = headPieceRows(N, V, bindLimit);
  // saved per layer (gpu/transformer.ts LayerSaved): two norms (input, output, statistics), q/k/v, the
  // attention output and its log-sum-exp, and the MLP's intermediates (2 for GPT-2, 3 for SwiGLU)
  const perLayer = N * (4 * C + 4 + (H + 2 * Hkv) * D + H * D + H + (model.family === 'gpt2' ? 2 : 3) * F);
  const workspace = 2 * N * Math.max(F, (H + 2 * Hkv) * D, C) + 2 * N * C; // backward temporaries
  // under guidance an eval call also holds θ_ref's KV cache and two more [rows,V] logits (θ_ref's, the mix)
  const guidanceCache = guided(run) ? (2 * L * evalRows(run) * T * Hkv * D + 2 * evalRows(run) * V) * F32 : 0;
  const parts = {
    weights: weightBytes(model, Boolean(lora)) + (lora ? trainable * F32 : 0),
    gradients: trainable * F32,
    optimizer: 2 * trainable * F32,
    // LoRA's θ_ref is the base (a view) plus, once the adapters have trained (a later stage, or after
    // an SFT warm-up), a copy of the adapters
    reference: holdsReference(run)
      ? lora
        ? laterStage || (run.sft_steps > 0 && run.algorithm !== 'sft')
          ? trainable * F32
          : 0
        : P * F32
      : 0,
    activations: (L * perLayer + workspace) * F32,
    // one piece of logits and their gradient (gpu/head.ts); asft's SFT updates add the reference's piece
    logits: (anchoredSft(run) ? 3 : 2) * headRows * V * F32,
    kvCache: (2 * L * generationRows * T * Hkv * D + generationRows * V) * F32 + guidanceCache,
  };
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  const tables = [...splittableParams(model)];
  const tableElement = lora ? F16 : F32;
  const splitTensors = tables
    .map((name) => ({
      name,
      bytes: V * C * tableElement,
      chunks: planRowChunks(V, C * tableElement, bindLimit).length,
    }))
    .filter((t) => t.chunks > 1);
  // tensors that must fit one binding (the [V,C] tables are split instead)
  const whole: [string, number][] = [
    [headRows < N ? `logits piece [${headRows},V]` : 'logits [B*T,V]', headRows * V * F32],
    ['KV cache of one layer', generationRows * T * Hkv * D * F32],
    ['MLP activations [B*T,F]', N * F * F32],
    ['MLP weight [F,C]', F * C * F32],
  ];
  const candidates: [string, number][] = [
    ...tables.map((t): [string, number] => [t, V * C * tableElement]),
    ...whole,
  ];
  const [name, bytes] = candidates.reduce((a, b) => (b[1] > a[1] ? b : a));
  const problems: string[] = [];
  for (const [what, b] of whole) {
    if (b <= bindLimit) continue;
    problems.push(
      `${what} needs ${formatBytes(b)}, over the adapter's ${formatBytes(bindLimit)} per-buffer limit`,
    );
  }
  if (total > budgetBytes)
    problems.push(
      `the run needs about ${formatBytes(total)} in all, over the ${formatBytes(budgetBytes)} budget`,
    );
  return {
    mode: lora ? 'lora' : 'full',
    parameters: P,
    trainableParameters: trainable,
    parts,
    total,
    largestTensor: { name, bytes },
    splitTensors,
    shapes: { microBatchRows, tokensPerRow: T, promptTokens, generationRows },
    limits,
    budgetBytes,
    fits: problems.length === 0,
    problems,
  };
}

export class ModelTooLargeError extends Error {
  constructor(readonly estimate: MemoryEstimate) {
    const { tokensPerRow, promptTokens } = estimate.shapes;
    super(
      `the model does not fit this GPU: ${estimate.problems.join('; ')}. ${describeEstimate(estimate)}; ` +
        `rows of ${tokensPerRow} tokens (prompts of up to ${promptTokens}). Try ` +
        `${estimate.mode === 'full' ? 'LoRA, ' : ''}a smaller model, fewer prompts or answers per step, ` +
        'a higher gradient_accumulation or a shorter max_completion_length',
    );
    this.name = 'ModelTooLargeError';
  }
}

/** Throws ModelTooLargeError (carrying the estimate) when the run cannot fit. */
export function assertFits(estimate: MemoryEstimate): void {
  if (!estimate.fits) throw new ModelTooLargeError(estimate);
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/** One line a person can read: "≈1.23 GiB (weights 513 MiB, gradients ..., ...)". */
export function describeEstimate(e: MemoryEstimate): string {
  const p = e.parts;
  const items = [
    ['weights', p.weights],
    ['gradients', p.gradients],
    ['AdamW moments', p.optimizer],
    ['reference', p.reference],
    ['activations', p.activations],
    ['logits', p.logits],
    ['KV cache', p.kvCache],
  ] as const;
  const list = items
    .filter(([, b]) => b > 0)
    .map(([k, b]) => `${k} ${formatBytes(b)}`)
    .join(', ');
  const split = e.splitTensors.map((t) => `; ${t.name} stored as ${t.chunks} row chunks`).join('');
  return `Estimated ${e.mode === 'lora' ? 'LoRA' : 'full fine-tuning'} memory ≈ ${formatBytes(e.total)} (${list}); largest tensor ${e.largestTensor.name} ${formatBytes(e.largestTensor.bytes)}${split}`;
}

/** config.json of the named targets as published on the hub (HuggingFaceTB/SmolLM2-135M-Instruct shares SmolLM2-135M's). */
export const SMOLLM2_135M_CONFIG = {
  architectures: ['LlamaForCausalLM'],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 1,
  eos_token_id: 2,
  hidden_act: 'silu',
  hidden_size: 576,
  initializer_range: 0.041666666666666664,
  intermediate_size: 1536,
  max_position_embeddings: 8192,
  mlp_bias: false,
  model_type: 'llama',
  num_attention_heads: 9,
  num_hidden_layers: 30,
  num_key_value_heads: 3,
  pad_token_id: 2,
  pretraining_tp: 1,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  rope_theta: 100000,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  use_cache: true,
  vocab_size: 49152,
};

/** Qwen/Qwen2.5-0.5B-Instruct's config.json. */
export const QWEN25_05B_INSTRUCT_CONFIG = {
  architectures: ['Qwen2ForCausalLM'],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  hidden_act: 'silu',
  hidden_size: 896,
  initializer_range: 0.02,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 21,
  model_type: 'qwen2',
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

/** Hub ids and configs of the models the lab names, for estimates shown before anything downloads. */
export const NAMED_TARGETS = [
  { id: 'HuggingFaceTB/SmolLM2-135M-Instruct', config: SMOLLM2_135M_CONFIG },
  { id: 'Qwen/Qwen2.5-0.5B-Instruct', config: QWEN25_05B_INSTRUCT_CONFIG },
] as const;
