/**
 * Float64 definition of the SFT losses (docs/ALGORITHMS.md "SFT losses (`sft_loss`)"), the oracle of
 * sft_loss.ts and the formula the trainer's SFT updates run: per counted row t with lp_t = log p_θ(y_t)
 * at T = 1, `ce` = −lp_t, `dft` = −sg(p_θ(y_t))·lp_t ("On the Generalization of SFT: A Reinforcement
 * Learning Perspective with Reward Rectification"), `asft` = the dft term + anchor_beta·KL_t with
 * KL_t = Σ_v p_θ(v)(log p_θ(v) − log p_ref(v)) ("Anchored Supervised Fine-Tuning"); mean over rows.
 */
import { logSoftmaxRef } from '../softmax/softmax.ref.js';

/** The SFT loss of a run (RunConfig `sft_loss`). */
export type SftLoss = 'ce' | 'dft' | 'asft';

export interface SftLossOptions {
  loss: SftLoss;
  /** Weight of the KL anchor (`asft` only). */
  anchorBeta: number;
}

/** The stop-gradient weight of −lp_t: 1 for ce, p_θ(y_t) = exp(lp_t) for dft and asft. */
export function sftTokenWeight(loss: SftLoss, lp: number): number {
  switch (loss) {
    case 'ce':
      return 1;
    case 'dft':
    case 'asft':
      return Math.exp(lp);
    default:
      return loss satisfies never;
  }
}

/** Whether the loss has the full-vocabulary KL anchor (and so needs the reference's logits). */
export function sftLossAnchored(loss: SftLoss): boolean {
  return loss === 'asft';
}

export interface SftLossResult {
  /** Mean over counted rows of the per-row loss. */
  loss: number;
  /** Mean over counted rows of KL_t (0 without an anchor). */
  anchorKl: number;
  /** [N] −w_t·lp_t + anchor·KL_t per row, 0 where ignored (not divided by the count). */
  tokenLoss: Float64Array;
  /** [N] the weights w_t (held constant in the gradient). */
  weights: Float64Array;
  /** [N] KL_t, 0 where ignored or without an anchor. */
  kl: Float64Array;
  /** [N,V] gradient of `loss` with the weights held: (w_t(p − onehot) + β·p·(log p − log q − KL_t))/count. */
  dlogits: Float64Array;
}

/**
 * The SFT loss of logits [N,V] against targets [N] (outside [0,V) = ignored), with reference logits
 * [N,V] for `asft`. `heldWeights` replaces the weights w_t (the finite-difference test holds them at
 * their base-point values, which is what the stop-gradient means).
 */
export function sftLossRef(
  logits: Float64Array,
  refLogits: Float64Array | null,
  targets: ArrayLike<number>,
  n: number,
  v: number,
  opts: SftLossOptions,
  heldWeights?: Float64Array,
): SftLossResult {
  const anchored = sftLossAnchored(opts.loss);
  if (anchored && !refLogits) throw new Error(`sftLossRef: ${opts.loss} needs reference logits`);
  const logp = logSoftmaxRef(logits, n, v);
  const logq = anchored && refLogits ? logSoftmaxRef(refLogits, n, v) : null;
  const tokenLoss = new Float64Array(n);
  const weights = new Float64Array(n);
  const kl = new Float64Array(n);
  const dlogits = new Float64Array(n * v);
  let count = 0;
  for (let r = 0; r < n; r++) if (targets[r] >= 0 && targets[r] < v) count++;
  const inv = count > 0 ? 1 / count : 0;
  const beta = anchored ? opts.anchorBeta : 0;
  let sum = 0;
  let klSum = 0;
  for (let r = 0; r < n; r++) {
    const y = targets[r];
    if (!(y >= 0 && y < v)) continue;
    const lp = logp[r * v + y];
    const w = heldWeights ? heldWeights[r] : sftTokenWeight(opts.loss, lp);
    weights[r] = w;
    if (logq) {
      let k = 0;
      for (let j = 0; j < v; j++) k += Math.exp(logp[r * v + j]) * (logp[r * v + j] - logq[r * v + j]);
      kl[r] = k;
    }
    tokenLoss[r] = -w * lp + beta * kl[r];
    sum += tokenLoss[r];
    klSum += kl[r];
    for (let j = 0; j < v; j++) {
      const p = Math.exp(logp[r * v + j]);
      let g = w * (p - (j === y ? 1 : 0));
      if (logq) g += beta * p * (logp[r * v + j] - logq[r * v + j] - kl[r]);
      dlogits[r * v + j] = g * inv;
    }
  }
  return { loss: sum * inv, anchorKl: klSum * inv, tokenLoss, weights, kl, dlogits };
}
