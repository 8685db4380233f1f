/**
 * The whole per-step loss of the RL algorithms in float64, with its gradient in every token's
 * log-prob and every value prediction: the oracle that the GPU trainer's loss kernel
 * (kernels/ops/policy_loss, driven by engine/train/gpu-policy-loss.ts) is tested against. Composes
 * surrogate.ts, kl.ts and aggregation.ts; SFT and RFT use `sftLoss` below. Layout: rows B
 * (= P*G completions), L = max_completion_length, flat [B*L].
 */

import { aggregationWeights, effectiveMask, type LossType } from './aggregation';
import { type KlEstimator, type KlIn, klEstimate, klEstimateGrad } from './kl';
import { clippedSurrogate } from './surrogate';

export interface PolicyLossOptions {
  loss_type: Exclude<LossType, 'sft'>;
  epsilon: number | null;
  epsilon_high: number | null;
  beta: number;
  kl_estimator: KlEstimator;
  kl_in: KlIn;
  entropy_coef: number;
  mask_truncated_completions: boolean;
  max_completion_length: number;
  /** PPO only: value-loss weight and clip range around old values. */
  vf_coef?: number;
  cliprange_value?: number;
}

export interface PolicyLossInput {
  rows: number;
  /** [B*L] log-probs of the sampled tokens under the current weights. */
  lp: ArrayLike<number>;
  /** [B*L] log-probs under the sampling weights; null when num_iterations = 1 (rho = 1, TRL). */
  old: ArrayLike<number> | null;
  /** [B*L] log-probs under the reference; needed when beta > 0 (for the kl metric too). */
  ref?: ArrayLike<number> | null;
  /** [B] per completion, or [B*L] per token (gae). */
  advantages: ArrayLike<number>;
  /** [B*L] 1 on completion tokens (EOS counts). */
  mask: ArrayLike<number>;
  /** [B] completions that hit max_completion_length without EOS. */
  truncated?: ArrayLike<number | boolean>;
  /** [B] micro-batch index of each row (bnpo). */
  microBatch?: ArrayLike<number>;
  /**
   * [B*L] 1 on forced prefix tokens (prefix sampling): they get the clipped surrogate with
   * A⁺ = max(A, 0), no KL and no entropy term, and stay out of the clip/KL/entropy metrics.
   */
  prefix?: ArrayLike<number> | null;
  /** [B*L] entropy of the sampling distribution at each token (for entropy_coef). */
  entropies?: ArrayLike<number>;
  /** PPO: [B*L] value predictions, values when sampled, and GAE returns. */
  values?: ArrayLike<number>;
  oldValues?: ArrayLike<number>;
  returns?: ArrayLike<number>;
}

export interface PolicyLossResult {
  /** Total scalar: aggregated policy loss (+ KL + entropy bonus) + vf_coef * value loss. */
  loss: number;
  /** The aggregated policy part alone (without the value loss). */
  policyLoss: number;
  /** vf_coef * 0.5 * mean max((V-R)^2, (clip(V)-R)^2); 0 without values. */
  valueLoss: number;
  /** [B*L] dLoss/dlp. */
  dLossDLp: Float64Array;
  /** [B*L] dLoss/dH (the entropy bonus), zero when entropy_coef = 0. */
  dLossDEntropy: Float64Array;
  /** [B*L] dLoss/dV; zero without values. */
  dLossDValues: Float64Array;
  metrics: {
    kl: number;
    'clip_ratio/low_mean': number;
    'clip_ratio/high_mean': number;
    'clip_ratio/region_mean': number;
    entropy: number;
  };
}

/** What a step's loss needs besides the current log-probs, checked once; both loss paths use it. */
export interface LossTokens {
  rows: number;
  L: number;
  /** [B*L] the loss_type weight of each token (aggregation.ts). */
  weights: Float64Array;
  /** [B*L] 1 on tokens that count (mask, minus truncated completions when masked). */
  counted: Float64Array;
  /** [B*L] each token's advantage (a per-completion advantage repeated over its tokens; max(A, 0) on prefix tokens). */
  advantage: Float64Array;
  /** [B*L] 1 on counted forced prefix tokens (prefix sampling), or null. */
  prefix: Float64Array | null;
  /** Counted completion tokens the model wrote (forced prefix tokens left out): the metrics' denominator. */
  tokens: number;
  klInLoss: boolean;
  /** The estimator of the logged kl: k1 when KL is in the reward. */
  metricEstimator: KlEstimator;
}

/**
 * Checks a step's inputs against rows x L and lays out its per-token weights, counted mask and
 * advantages exactly as `policyLoss` aggregates them; `who` prefixes the error messages.
 */
export function lossTokens(
  input: Pick<
    PolicyLossInput,
    'rows' | 'old' | 'ref' | 'advantages' | 'mask' | 'truncated' | 'microBatch' | 'prefix'
  >,
  options: PolicyLossOptions,
  who: string,
): LossTokens {
  const { rows, mask } = input;
  const n = mask.length;
  const L = n / rows;
  if (!Number.isInteger(L)) throw new Error(`${who}: mask ${n} does not fit rows ${rows}`);
  for (const [name, a] of [
    ['old', input.old],
    ['ref', input.ref],
  ] as const) {
    if (a && a.length !== n) throw new Error(`${who}: ${name} ${a.length} != mask ${n}`);
  }
  const perToken = input.advantages.length === n;
  if (!perToken && input.advantages.length !== rows) {
    throw new Error(`${who}: advantages length ${input.advantages.length} is neither B=${rows} nor B*L=${n}`);
  }
  const klInLoss = options.kl_in === 'loss' && options.beta !== 0;
  if (klInLoss && !input.ref) throw new Error(`${who}: beta > 0 with kl_in = loss needs ref`);
  const agg = {
    mask,
    rows,
    truncated: input.truncated,
    mask_truncated_completions: options.mask_truncated_completions,
    microBatch: input.microBatch,
    max_completion_length: options.max_completion_length,
  };
  const weights = aggregationWeights(options.loss_type, agg);
  const counted = effectiveMask(agg);
  if (input.prefix && input.prefix.length !== n)
    throw new Error(`${who}: prefix ${input.prefix.length} != mask ${n}`);
  const prefix = input.prefix ? new Float64Array(n) : null;
  const advantage = new Float64Array(n);
  let tokens = 0;
  for (let k = 0; k < n; k++) {
    advantage[k] = perToken ? input.advantages[k] : input.advantages[Math.floor(k / L)];
    if (prefix && input.prefix?.[k] && counted[k]) {
      prefix[k] = 1;
      advantage[k] = Math.max(advantage[k], 0);
    } else tokens += counted[k];
  }
  const metricEstimator: KlEstimator = options.kl_in === 'reward' ? 'k1' : options.kl_estimator;
  return { rows, L, weights, counted, advantage, prefix, tokens, klInLoss, metricEstimator };
}

export function policyLoss(input: PolicyLossInput, options: PolicyLossOptions): PolicyLossResult {
  const { lp, old, mask } = input;
  const n = mask.length;
  if (lp.length !== n) throw new Error(`policyLoss: lp ${lp.length} != mask ${n}`);
  const { weights, counted, advantage, prefix, klInLoss, metricEstimator } = lossTokens(
    input,
    options,
    'policyLoss',
  );
  const ref = input.ref ?? null;
  if (options.entropy_coef !== 0 && !input.entropies)
    throw new Error('policyLoss: entropy_coef needs entropies');
  const dLossDLp = new Float64Array(n);
  const dLossDEntropy = new Float64Array(n);
  let loss = 0;
  let tokens = 0;
  let low = 0;
  let high = 0;
  let klSum = 0;
  let entropySum = 0;
  for (let k = 0; k < n; k++) {
    if (!counted[k]) continue;
    const s = clippedSurrogate(lp[k], old ? old[k] : null, advantage[k], options);
    if (prefix?.[k]) {
      // a forced prefix token: the surrogate with A⁺ alone, out of the metrics
      loss += weights[k] * s.loss;
      dLossDLp[k] = weights[k] * s.grad;
      continue;
    }
    let tokenLoss = s.loss;
    let tokenGrad = s.grad;
    if (klInLoss && ref) {
      tokenLoss += options.beta * klEstimate(options.kl_estimator, lp[k], ref[k]);
      tokenGrad += options.beta * klEstimateGrad(options.kl_estimator, lp[k], ref[k]);
    }
    if (ref) klSum += klEstimate(metricEstimator, lp[k], ref[k]);
    if (input.entropies) {
      entropySum += input.entropies[k];
      if (options.entropy_coef !== 0) {
        tokenLoss -= options.entropy_coef * input.entropies[k];
        dLossDEntropy[k] = -options.entropy_coef * weights[k];
      }
    }
    loss += weights[k] * tokenLoss;
    dLossDLp[k] = weights[k] * tokenGrad;
    tokens++;
    if (s.clippedLow) low++;
    if (s.clippedHigh) high++;
  }
  const value = valueLoss(input, counted, options);
  const frac = (c: number) => (tokens ? c / tokens : 0);
  return {
    loss: loss + value.loss,
    policyLoss: loss,
    valueLoss: value.loss,
    dLossDLp,
    dLossDEntropy,
    dLossDValues: value.grad,
    metrics: {
      kl: frac(klSum),
      'clip_ratio/low_mean': frac(low),
      'clip_ratio/high_mean': frac(high),
      'clip_ratio/region_mean': frac(low + high),
      entropy: frac(entropySum),
    },
  };
}

/**
 * PPO value loss: vf_coef * mean over counted tokens of 0.5*max((V-R)^2, (clip(V, V_old +- c) - R)^2).
 * Example: V = 1, V_old = 0.5, R = 0, c = 0.2: (1-0)^2 = 1 vs (0.7-0)^2 = 0.49 -> 0.5, gradient V-R = 1.
 */
export function valueLoss(
  input: Pick<PolicyLossInput, 'values' | 'oldValues' | 'returns'>,
  counted: ArrayLike<number>,
  options: Pick<PolicyLossOptions, 'vf_coef' | 'cliprange_value'>,
): { loss: number; grad: Float64Array } {
  const grad = new Float64Array(counted.length);
  const { values, returns } = input;
  if (!values) return { loss: 0, grad };
  if (!returns) throw new Error('valueLoss: values without returns');
  const oldValues = input.oldValues ?? values;
  const coef = options.vf_coef ?? 0.5;
  const c = options.cliprange_value ?? 0.2;
  let count = 0;
  for (let k = 0; k < counted.length; k++) if (counted[k]) count++;
  if (count === 0) return { loss: 0, grad };
  let sum = 0;
  for (let k = 0; k < counted.length; k++) {
    if (!counted[k]) continue;
    const v = values[k];
    const clippedV = Math.min(Math.max(v, oldValues[k] - c), oldValues[k] + c);
    const plain = (v - returns[k]) ** 2;
    const clipped = (clippedV - returns[k]) ** 2;
    sum += 0.5 * Math.max(plain, clipped);
    const vInside = v === clippedV;
    const g = plain >= clipped || vInside ? v - returns[k] : 0;
    grad[k] = (coef * g) / count;
  }
  return { loss: (coef * sum) / count, grad };
}

/**
 * SFT / RFT loss: next-token cross-entropy on completion tokens, mean over kept tokens:
 * loss = -sum(mask*lp)/sum(mask), dLoss/dlp = -1/sum(mask) on kept tokens.
 */
export function sftLoss(
  lp: ArrayLike<number>,
  mask: ArrayLike<number>,
): { loss: number; dLossDLp: Float64Array } {
  if (lp.length !== mask.length) throw new Error(`sftLoss: lp ${lp.length} vs mask ${mask.length}`);
  let count = 0;
  let sum = 0;
  for (let k = 0; k < mask.length; k++) {
    if (mask[k]) {
      count++;
      sum += lp[k];
    }
  }
  const dLossDLp = new Float64Array(mask.length);
  if (count === 0) return { loss: 0, dLossDLp };
  for (let k = 0; k < mask.length; k++) if (mask[k]) dLossDLp[k] = -1 / count;
  return { loss: -sum / count, dLossDLp };
}
