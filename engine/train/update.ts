/**
 * The weight updates: the policy-gradient step of the GRPO family and PPO (per-token log-probs on the
 * GPU, the loss and dL/dlp from engine/rl's float64 `policyLoss` oracle, backward through the token
 * log-prob kernel and the transformer), and the SFT step of SFT, RFT and warm-ups. With several
 * micro-batches, a first inference pass gathers the log-probs the step-wide aggregation needs, then
 * each micro-batch runs forward and backward in turn, so only one micro-batch's activations live at once.
 */
import {
  tokenLogprobEntropy,
  tokenLogprobEntropyBackward,
} from '../../kernels/ops/token_logprob/token_logprob.js';
import type { Runtime, Tensor } from '../../kernels/runtime/index.js';
import { disposeBatch, type GpuBatch, layoutSequences, uploadLayout } from '../model/gpu/batch.js';
import { meanCrossEntropy } from '../model/gpu/lm-loss.js';
import type { GpuModel } from '../model/gpu/model.js';
import type { GpuParams } from '../model/gpu/params.js';
import type { Activations, ForwardResult } from '../model/gpu/transformer.js';
import { type PolicyLossOptions, type PolicyLossResult, policyLoss } from '../rl/policy-loss.js';
import type { ValueHead } from './value-head.js';

/** Prompt and completion token ids of one row of a step. */
export interface TokenRow {
  promptIds: readonly number[];
  completionIds: readonly number[];
}

/** A micro-batch laid out for the model, with the completion tokens at the positions that predict them. */
interface LaidOut {
  batch: GpuBatch;
  chosen: Tensor; // [B*T] i32, -1 off completion positions
  B: number;
  T: number;
  Tp: number;
}

function layOut(rt: Runtime, rows: readonly TokenRow[], L: number, pad: number): LaidOut {
  const layout = layoutSequences(
    rows.map((r) => r.promptIds),
    rows.map((r) => r.completionIds),
    L,
    pad,
  );
  const { B, T } = layout;
  const Tp = T - L;
  const chosen = new Int32Array(B * T).fill(-1);
  rows.forEach((r, b) => {
    r.completionIds.forEach((tok, t) => {
      chosen[b * T + Tp - 1 + t] = tok;
    });
  });
  return {
    batch: uploadLayout(rt, layout),
    chosen: rt.upload(chosen, [B * T], 'completion.tokens', 'i32'),
    B,
    T,
    Tp,
  };
}

function release(l: LaidOut): void {
  disposeBatch(l.batch);
  l.chosen.dispose();
}

/** [B*T] values at completion positions -> [B*L]. */
function gather(values: ArrayLike<number>, l: LaidOut, L: number): Float64Array {
  const out = new Float64Array(l.B * L);
  for (let b = 0; b < l.B; b++) for (let t = 0; t < L; t++) out[b * L + t] = values[b * l.T + l.Tp - 1 + t];
  return out;
}

/** [B*L] -> [B*T] at completion positions (zeros elsewhere). */
function scatter(values: ArrayLike<number>, l: LaidOut, L: number, offset: number): Float32Array {
  const out = new Float32Array(l.B * l.T);
  for (let b = 0; b < l.B; b++)
    for (let t = 0; t < L; t++) out[b * l.T + l.Tp - 1 + t] = values[(offset + b) * L + t];
  return out;
}

export interface CompletionLogprobs {
  lp: Float64Array; // [B*L]
  entropy: Float64Array; // [B*L]
  /** [B*L] value predictions, when a value head was given. */
  values?: Float64Array;
}

/** Log-probs and entropies (softmax(z/T)) of the completion tokens under `params`, without gradients. */
export async function completionLogprobs(
  model: GpuModel,
  params: GpuParams,
  rows: readonly TokenRow[],
  L: number,
  temperature: number,
  pad: number,
  valueHead?: ValueHead,
): Promise<CompletionLogprobs> {
  const rt = model.rt;
  const l = layOut(rt, rows, L, pad);
  const { logits, hidden } = model.transformer.forward(params, l.batch);
  const r = tokenLogprobEntropy(rt, logits, l.chosen, { temperature });
  const v = valueHead?.forward(hidden);
  const [lp, h, values] = await rt.readMany([r.logprob, r.entropy, ...(v ? [v] : [])]);
  for (const t of [logits, hidden, r.logprob, r.entropy, r.lse, v]) t?.dispose();
  release(l);
  return {
    lp: gather(lp, l, L),
    entropy: gather(h, l, L),
    values: values ? gather(values, l, L) : undefined,
  };
}

export interface PolicyStepInput {
  rows: readonly TokenRow[];
  /** max_completion_length. */
  L: number;
  /** [B] per completion or [B*L] per token (gae). */
  advantages: ArrayLike<number>;
  /** [B*L] log-probs when sampled (used as `old` when num_iterations > 1). */
  sampledLogprobs: Float64Array;
  /** [B*L] reference log-probs, when beta > 0 or for the kl metric. */
  refLogprobs: Float64Array | null;
  mask: Float64Array;
  truncated: boolean[];
  temperature: number;
  pad: number;
  microBatches: number;
  /** Whether `old` is the sampled lp (num_iterations > 1) or lp detached (ratio exactly 1). */
  useSampledAsOld: boolean;
  /** PPO: the value head with the values at sampling time and the GAE returns ([B*L] each). */
  value?: { head: ValueHead; oldValues: Float64Array; returns: Float64Array };
}

/** Accumulates the policy loss's gradient into `grads` (zeroed by the caller); returns the loss and its metrics. */
export async function accumulatePolicyGradient(
  model: GpuModel,
  params: GpuParams,
  grads: GpuParams,
  input: PolicyStepInput,
  options: PolicyLossOptions,
): Promise<PolicyLossResult> {
  const rt = model.rt;
  const B = input.rows.length;
  const M = input.microBatches;
  const size = B / M;
  const microBatch = Array.from({ length: B }, (_, b) => Math.floor(b / size));
  const value = input.value;
  const lossInput = (lp: Float64Array, entropy: Float64Array, values?: Float64Array) =>
    policyLoss(
      {
        rows: B,
        lp,
        old: input.useSampledAsOld ? input.sampledLogprobs : null,
        ref: input.refLogprobs,
        advantages: input.advantages,
        mask: input.mask,
        truncated: input.truncated,
        microBatch,
        entropies: entropy,
        ...(value && values ? { values, oldValues: value.oldValues, returns: value.returns } : {}),
      },
      options,
    );
  const slices = Array.from({ length: M }, (_, m) => input.rows.slice(m * size, (m + 1) * size));
  if (M === 1) {
    const l = layOut(rt, input.rows, input.L, input.pad);
    const fwd = model.transformer.forward(params, l.batch, { train: true });
    const tl = tokenLogprobEntropy(rt, fwd.logits, l.chosen, { temperature: input.temperature });
    const v = value?.head.forward(fwd.hidden);
    const [lpAll, hAll, vAll] = await rt.readMany([tl.logprob, tl.entropy, ...(v ? [v] : [])]);
    const result = lossInput(
      gather(lpAll, l, input.L),
      gather(hAll, l, input.L),
      vAll ? gather(vAll, l, input.L) : undefined,
    );
    backwardTokens(model, params, grads, l, fwd, tl.lse, result, input, 0);
    for (const t of [tl.logprob, tl.entropy, tl.lse, fwd.logits, v]) t?.dispose();
    release(l);
    return result;
  }
  // pass 1: log-probs of every micro-batch under the current weights
  const lp = new Float64Array(B * input.L);
  const entropy = new Float64Array(B * input.L);
  const values = value ? new Float64Array(B * input.L) : undefined;
  for (let m = 0; m < M; m++) {
    const part = await completionLogprobs(
      model,
      params,
      slices[m],
      input.L,
      input.temperature,
      input.pad,
      value?.head,
    );
    lp.set(part.lp, m * size * input.L);
    entropy.set(part.entropy, m * size * input.L);
    if (values && part.values) values.set(part.values, m * size * input.L);
  }
  const result = lossInput(lp, entropy, values);
  // pass 2: forward and backward per micro-batch with its share of dL/dlp
  for (let m = 0; m < M; m++) {
    const l = layOut(rt, slices[m], input.L, input.pad);
    const fwd = model.transformer.forward(params, l.batch, { train: true });
    const tl = tokenLogprobEntropy(rt, fwd.logits, l.chosen, { temperature: input.temperature });
    backwardTokens(model, params, grads, l, fwd, tl.lse, result, input, m * size);
    for (const t of [tl.logprob, tl.entropy, tl.lse, fwd.logits]) t.dispose();
    release(l);
  }
  return result;
}

function backwardTokens(
  model: GpuModel,
  params: GpuParams,
  grads: GpuParams,
  l: LaidOut,
  fwd: ForwardResult,
  lse: Tensor,
  result: PolicyLossResult,
  input: PolicyStepInput,
  rowOffset: number,
): void {
  const rt = model.rt;
  const logits = fwd.logits;
  let dHidden: Tensor | undefined;
  if (input.value) {
    const dv = rt.upload(scatter(result.dLossDValues, l, input.L, rowOffset), [l.B * l.T], 'dloss.dvalue');
    dHidden = input.value.head.backward(fwd.hidden, dv);
    dv.dispose();
  }
  const dlp = rt.upload(scatter(result.dLossDLp, l, input.L, rowOffset), [l.B * l.T], 'dloss.dlogprob');
  const hasEntropyGrad = result.dLossDEntropy.some((x) => x !== 0);
  const dh = hasEntropyGrad
    ? rt.upload(scatter(result.dLossDEntropy, l, input.L, rowOffset), [l.B * l.T], 'dloss.dentropy')
    : undefined;
  const dlogits = tokenLogprobEntropyBackward(rt, logits, l.chosen, lse, dlp, dh, {
    temperature: input.temperature,
  });
  model.transformer.backward(params, grads, fwd.saved as Activations, dlogits, dHidden);
  dlogits.dispose();
  dlp.dispose();
  dh?.dispose();
  dHidden?.dispose();
}

/**
 * Accumulates the SFT gradient (next-token cross-entropy on completion tokens, mean over all of them)
 * into `grads`; returns the [1] loss tensor for the caller to read with the update.
 */
export function accumulateSftGradient(
  model: GpuModel,
  params: GpuParams,
  grads: GpuParams,
  rows: readonly TokenRow[],
  pad: number,
): Tensor {
  const rt = model.rt;
  const L = Math.max(1, ...rows.map((r) => r.completionIds.length));
  const l = layOut(rt, rows, L, pad);
  const count = rows.reduce((n, r) => n + r.completionIds.length, 0);
  const fwd = model.transformer.forward(params, l.batch, { train: true });
  const { loss, dlogits } = meanCrossEntropy(rt, fwd.logits, l.chosen, count);
  model.transformer.backward(params, grads, fwd.saved as Activations, dlogits);
  for (const t of [dlogits, fwd.logits]) t.dispose();
  release(l);
  return loss;
}
