/**
 * The float64 reference model for gpt2, llama and qwen2, built from the autodiff ops: logits [B,T,V],
 * the mean next-token cross-entropy, and the gradient of every parameter by its HF name. It is the
 * oracle the GPU model is tested against, so it follows `transformers` exactly (GPT2LMHeadModel,
 * LlamaForCausalLM, Qwen2ForCausalLM in eval mode, no dropout); the one departure is RoPE's cos/sin
 * computed in float64 where HF uses float32.
 */

import { type ModelConfig, normKind, positionKind } from '../config.js';
import { embeddingName, paramSpecs } from '../param-names.js';
import { Tape, Var } from './autodiff.js';
import {
  add,
  addBias,
  causalAttention,
  crossEntropy,
  embedding,
  geluNew,
  layernorm,
  linear,
  matmul,
  mul,
  rmsnorm,
  rope,
  silu,
  sliceColumns,
} from './ops.js';

export interface ReferenceBatch {
  /** [B][T] token ids, equal lengths. */
  inputIds: number[][];
  /** [B][T] 1 = real token, 0 = padding (hidden as a key). Default: all ones. */
  attentionMask?: number[][];
  /** [B][T] positions. Default 0..T-1 in every row, as HF does when none are passed. */
  positionIds?: number[][];
  /**
   * [B][T] aligned with HF `labels`: entry t (t ≥ 1) says whether token t counts as a target of the
   * prediction made at t−1 (0 = label −100). Entry 0 is ignored. Default: all ones, i.e. the loss is the
   * mean next-token cross-entropy over positions 0..T−2 of every row.
   */
  lossMask?: number[][];
}

export interface ReferenceResult {
  logits: Float64Array; // [B,T,V]
  loss: number;
}

type Params = ReadonlyMap<string, ArrayLike<number>>;

function flatten(rows: number[][], B: number, T: number, what: string): Float64Array {
  if (rows.length !== B || rows.some((r) => r.length !== T))
    throw new Error(`reference: ${what} must be [${B}][${T}]`);
  return Float64Array.from(rows.flat());
}

/** Runs the model on the tape; returns logits and the loss Var (backward not yet run). */
function build(config: ModelConfig, vars: Map<string, Var>, batch: ReferenceBatch, tape: Tape) {
  const B = batch.inputIds.length;
  const T = batch.inputIds[0]?.length ?? 0;
  if (B === 0 || T === 0) throw new Error('reference: empty batch');
  const ids = flatten(batch.inputIds, B, T, 'inputIds');
  const mask = batch.attentionMask ? flatten(batch.attentionMask, B, T, 'attentionMask') : undefined;
  const positions = batch.positionIds
    ? flatten(batch.positionIds, B, T, 'positionIds')
    : Float64Array.from({ length: B * T }, (_, i) => i % T);
  const param = (name: string) => {
    const v = vars.get(name);
    if (!v) throw new Error(`reference: parameter "${name}" missing`);
    return v;
  };
  const { hiddenSize: C, numHeads: H, numKvHeads: Hkv, headDim: D, normEps: eps } = config;
  const shape = { B, T, H, Hkv, D };
  const gpt2 = config.family === 'gpt2';

  let x = embedding(tape, param(embeddingName(config)), ids); // [B·T, C]
  const positionsKind = positionKind(config);
  const normalization = normKind(config);
  switch (positionsKind) {
    case 'learned':
      if (positions.some((p) => p >= config.maxPositions))
        throw new Error(`reference: position beyond n_positions ${config.maxPositions}`);
      x = add(tape, x, embedding(tape, param('transformer.wpe.weight'), positions));
      break;
    case 'rope':
      break;
    default:
      throw positionsKind satisfies never;
  }
  const norm = (v: Var, prefix: string) => {
    switch (normalization) {
      case 'layernorm':
        return layernorm(tape, v, param(`${prefix}.weight`), param(`${prefix}.bias`), eps);
      case 'rmsnorm':
        return rmsnorm(tape, v, param(`${prefix}.weight`), eps);
      default:
        throw normalization satisfies never;
    }
  };
  // Conv1D (GPT-2, [in,out]) or Linear (Llama/Qwen2, [out,in]), with the bias when the config has it.
  const project = (v: Var, prefix: string, bias: boolean) => {
    const y = gpt2 ? matmul(tape, v, param(`${prefix}.weight`)) : linear(tape, v, param(`${prefix}.weight`));
    return bias ? addBias(tape, y, param(`${prefix}.bias`)) : y;
  };

  for (let l = 0; l < config.numLayers; l++) {
    if (gpt2) {
      const p = `transformer.h.${l}`;
      const qkv = project(norm(x, `${p}.ln_1`), `${p}.attn.c_attn`, true); // [B·T, 3C]
      const q = sliceColumns(tape, qkv, 0, C);
      const k = sliceColumns(tape, qkv, C, C);
      const v = sliceColumns(tape, qkv, 2 * C, C);
      const a = causalAttention(tape, q, k, v, shape, mask);
      x = add(tape, x, project(a, `${p}.attn.c_proj`, true));
      const hidden = geluNew(tape, project(norm(x, `${p}.ln_2`), `${p}.mlp.c_fc`, true)); // [B·T, F]
      x = add(tape, x, project(hidden, `${p}.mlp.c_proj`, true));
    } else {
      const p = `model.layers.${l}`;
      const h = norm(x, `${p}.input_layernorm`);
      const q = rope(
        tape,
        project(h, `${p}.self_attn.q_proj`, config.qkvBias),
        H,
        D,
        positions,
        config.ropeTheta,
      );
      const k = rope(
        tape,
        project(h, `${p}.self_attn.k_proj`, config.qkvBias),
        Hkv,
        D,
        positions,
        config.ropeTheta,
      );
      const v = project(h, `${p}.self_attn.v_proj`, config.qkvBias);
      const a = causalAttention(tape, q, k, v, shape, mask);
      x = add(tape, x, project(a, `${p}.self_attn.o_proj`, config.outputBias));
      const h2 = norm(x, `${p}.post_attention_layernorm`);
      const gate = silu(tape, project(h2, `${p}.mlp.gate_proj`, false));
      const up = project(h2, `${p}.mlp.up_proj`, false);
      x = add(tape, x, project(mul(tape, gate, up), `${p}.mlp.down_proj`, false));
    }
  }
  x = norm(x, gpt2 ? 'transformer.ln_f' : 'model.norm');
  const head = config.tieWordEmbeddings ? param(embeddingName(config)) : param('lm_head.weight');
  const logits = linear(tape, x, head); // [B·T, V]

  // Prediction at (b, t) targets token (b, t+1); the last position of each row predicts nothing.
  const targets = new Float64Array(B * T);
  const weights = new Float64Array(B * T);
  const lossMask = batch.lossMask ? flatten(batch.lossMask, B, T, 'lossMask') : undefined;
  for (let b = 0; b < B; b++)
    for (let t = 0; t + 1 < T; t++) {
      targets[b * T + t] = ids[b * T + t + 1];
      weights[b * T + t] = lossMask ? lossMask[b * T + t + 1] : 1;
    }
  const loss = crossEntropy(tape, logits, targets, weights);
  return { logits, loss };
}

function toVars(config: ModelConfig, params: Params): Map<string, Var> {
  const vars = new Map<string, Var>();
  for (const spec of paramSpecs(config)) {
    const data = params.get(spec.name);
    if (!data) throw new Error(`reference: parameter "${spec.name}" missing`);
    vars.set(spec.name, new Var(Float64Array.from(data), spec.shape, spec.name));
  }
  return vars;
}

/** Logits [B,T,V] and the loss, without gradients. */
export function referenceForward(
  config: ModelConfig,
  params: Params,
  batch: ReferenceBatch,
): ReferenceResult {
  const { logits, loss } = build(config, toVars(config, params), batch, new Tape());
  return { logits: logits.data, loss: loss.data[0] };
}

/** Logits, loss, and d loss / d parameter for every parameter (zeros for ones the loss does not reach). */
export function referenceLossAndGrads(
  config: ModelConfig,
  params: Params,
  batch: ReferenceBatch,
): ReferenceResult & { grads: Map<string, Float64Array> } {
  const tape = new Tape();
  const vars = toVars(config, params);
  const { logits, loss } = build(config, vars, batch, tape);
  tape.backward(loss);
  const grads = new Map<string, Float64Array>();
  for (const [name, v] of vars) grads.set(name, v.grad ?? new Float64Array(v.data.length));
  return { logits: logits.data, loss: loss.data[0], grads };
}
