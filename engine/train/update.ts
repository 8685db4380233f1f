/**
 * The weight updates: the policy-gradient step of the GRPO family and PPO, and the SFT step of SFT,
 * RFT and warm-ups, each applied by `updatePolicy` (engine/optim/adamw.ts). The policy step stays on
 * the GPU: per micro-batch, forward, token log-probs, the policy-loss kernel (weights per token from
 * the CPU-known masks, so no log-prob readback; PPO's value loss too) and backward; the loss and
 * metrics come back in one read at the end. The float64 `policyLoss` of engine/rl is the oracle its
 * tests hold it to. Only one micro-batch's activations live at once, and its logits only a piece of
 * rows at a time (model/gpu/head.ts).
 */
import { addScaled } from '../../kernels/ops/elementwise/elementwise.js';
import type { Runtime, Tensor } from '../../kernels/runtime/index.js';
import { disposeBatch, type GpuBatch, layoutSequences, uploadLayout } from '../model/gpu/batch.js';
import {
  disposeHeadLogprobs,
  headLogprobEntropy,
  headLogprobEntropyBackward,
  type SftHeadOptions,
  sftTrainingPass,
} from '../model/gpu/head.js';
import type { GpuModel } from '../model/gpu/model.js';
import type { GpuParams } from '../model/gpu/params.js';
import type { Activations } from '../model/gpu/transformer.js';
import {
  type AdamwConfig,
  type AdamwResult,
  type AdamwState,
  type AdamwUpdateOptions,
  adamwUpdate,
} from '../optim/adamw.js';
import type { PolicyLossOptions } from '../rl/policy-loss.js';
import { GpuPolicyLoss, policyTokens } from './gpu-policy-loss.js';
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
  const { hidden } = model.transformer.forwardHidden(params, l.batch);
  const r = headLogprobEntropy(model.transformer, params, hidden, l.chosen, { temperature });
  const v = valueHead?.forward(hidden);
  const [lp, h, values] = await rt.readMany([r.logprob, r.entropy, ...(v ? [v] : [])]);
  disposeHeadLogprobs(r);
  for (const t of [hidden, v]) t?.dispose();
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
  /** [B*L] 1 on forced prefix tokens (prefix sampling), or null / absent. */
  prefix?: Float64Array | null;
  truncated: boolean[];
  temperature: number;
  pad: number;
  microBatches: number;
  /** Whether `old` is the sampled lp (num_iterations > 1) or lp detached (ratio exactly 1). */
  useSampledAsOld: boolean;
  /** PPO: the value head with the values at sampling time and the GAE returns ([B*L] each). */
  value?: { head: ValueHead; oldValues: Float64Array; returns: Float64Array };
}

/**
 * Accumulates the policy loss's gradient into `grads` (zeroed by the caller) micro-batch by
 * micro-batch, the loss kernel feeding the backward on the GPU. Nothing is read: the returned
 * GpuPolicyLoss holds the summed stats, which the caller reads with the update (`updatePolicy` with
 * `loss.pending()` as extra and guard, then `loss.decode`), so the whole train phase is one submission.
 */
export function accumulatePolicyGradient(
  model: GpuModel,
  params: GpuParams,
  grads: GpuParams,
  input: PolicyStepInput,
  options: PolicyLossOptions,
): GpuPolicyLoss {
  const rt = model.rt;
  const B = input.rows.length;
  const M = input.microBatches;
  const size = B / M;
  if (!Number.isInteger(size)) throw new Error(`accumulatePolicyGradient: ${B} rows in ${M} micro-batches`);
  const value = input.value;
  const tokens = policyTokens(
    {
      rows: B,
      L: input.L,
      advantages: input.advantages,
      mask: input.mask,
      prefix: input.prefix,
      truncated: input.truncated,
      microBatch: Array.from({ length: B }, (_, b) => Math.floor(b / size)),
      old: input.useSampledAsOld ? input.sampledLogprobs : null,
      ref: input.refLogprobs,
      value: value && { oldValues: value.oldValues, returns: value.returns },
    },
    options,
  );
  const loss = new GpuPolicyLoss(rt, tokens);
  const temperature = input.temperature;
  for (let m = 0; m < M; m++) {
    const l = layOut(rt, input.rows.slice(m * size, (m + 1) * size), input.L, input.pad);
    const fwd = model.transformer.forwardHidden(params, l.batch, { train: true });
    const tl = headLogprobEntropy(model.transformer, params, fwd.hidden, l.chosen, { temperature });
    const v = value?.head.forward(fwd.hidden);
    const g = loss.microBatch(tl.logprob, tl.entropy, v, {
      rowOffset: m * size,
      rows: l.B,
      T: l.T,
      Tp: l.Tp,
    });
    const dValueHidden = value && g.dvalues ? value.head.backward(fwd.hidden, g.dvalues) : undefined;
    const dhidden = headLogprobEntropyBackward(
      model.transformer,
      params,
      grads,
      fwd.hidden,
      l.chosen,
      tl,
      g.dlogprob,
      g.dentropy,
      { temperature },
    );
    if (dValueHidden) addScaled(rt, dhidden, dValueHidden, 1);
    model.transformer.backwardHidden(params, grads, fwd.saved as Activations, dhidden);
    for (const t of [dhidden, dValueHidden, g.dlogprob, g.dentropy, g.dvalues, v]) t?.dispose();
    disposeHeadLogprobs(tl);
    release(l);
  }
  return loss;
}

/**
 * Accumulates the SFT gradient (the run's `sft_loss` on completion tokens, mean over all of them;
 * cross-entropy when `sft` is not given) into `grads`; returns the [1] loss tensor and, for `asft`,
 * the [1] mean KL to the reference, for the caller to read with the update.
 */
export function accumulateSftGradient(
  model: GpuModel,
  params: GpuParams,
  grads: GpuParams,
  rows: readonly TokenRow[],
  pad: number,
  sft?: SftHeadOptions,
): { loss: Tensor; anchorKl: Tensor | null } {
  const rt = model.rt;
  const L = Math.max(1, ...rows.map((r) => r.completionIds.length));
  const l = layOut(rt, rows, L, pad);
  const count = rows.reduce((n, r) => n + r.completionIds.length, 0);
  const out = sftTrainingPass(model.transformer, params, grads, l.batch, l.chosen, count, sft);
  release(l);
  return out;
}

/** What trains, its gradients and its AdamW state: a run's trainer context, or a test's. */
export interface Trainable {
  optimizer: AdamwState;
  /** The policy's parameters, or its LoRA adapters. */
  trainable: GpuParams;
  grads: GpuParams;
  /** Half fine-tuning's choice of the stage (engine/train/freeze.ts): its tensors take no update. */
  freeze?: { tensors: ReadonlySet<string> } | null;
}

/** One AdamW update of `t.trainable` from `t.grads` (frozen tensors skipped); `t.optimizer` becomes the next state. */
export async function updatePolicy(
  t: Trainable,
  config: AdamwConfig,
  extra: Tensor[] = [],
  options: AdamwUpdateOptions = {},
): Promise<AdamwResult> {
  const r = await adamwUpdate(t.optimizer, t.trainable, t.grads, config, extra, {
    ...options,
    frozen: t.freeze?.tensors,
  });
  t.optimizer = r.state;
  return r;
}
