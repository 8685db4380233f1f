/**
 * The policy loss of the GRPO family and PPO on the GPU, per token, so the trainer's gradient path
 * never reads log-probs back: dL/dlp and dL/dH feed tokenLogprobEntropyBackward directly. The
 * loss_type aggregation arrives as a weight per token (the caller computes it from masks and lengths,
 * known before the forward pass); per-token stats [N,5] sum (reduce.columnSums) to the loss and the
 * metrics. PPO's clipped value loss is a second entry point. Formulas: docs/ALGORITHMS.md.
 */
import { expectShape, makeShader, type Runtime, type Tensor, uniforms } from '../../runtime/index.js';
import src from './policy_loss.wgsl?raw';

const CODE = makeShader(src);
const WG = 64;

/**
 * Columns of the per-token info tensor [N,5] the caller packs (CPU-known before the forward pass).
 * counted: 0 = not counted (zeros out), 1 = counted, 2 = a forced prefix token (prefix sampling): the
 * clipped surrogate alone (the caller packs A⁺ = max(A, 0)), no KL, no entropy term, zero stats but
 * its weighted loss.
 */
export const POLICY_INFO = ['old', 'ref', 'advantage', 'weight', 'counted'] as const;
/** Columns of the per-token stats [N,5]: weight*loss, clipped low, clipped high, kl estimate, entropy (zeros off counted tokens). */
export const POLICY_STATS = ['weightedLoss', 'clipLow', 'clipHigh', 'kl', 'entropy'] as const;
/** Columns of the value-loss info [N,3]: V_old, return, scale (vf_coef / counted tokens, 0 off them). */
export const VALUE_INFO = ['oldValue', 'return', 'scale'] as const;

export type KlEstimatorCode = 'k1' | 'k2' | 'k3';

export interface PolicyLossKernelOptions {
  /** false: old is lp detached (num_iterations = 1), rho = 1 exactly; the info's old column is ignored. */
  hasOld: boolean;
  /** Lower clip (rho < 1 - epsilon); null disables clipping (L = -rho*A). */
  epsilon: number | null;
  /** Upper clip (rho > 1 + epsilonHigh), DAPO's clip-higher. */
  epsilonHigh: number;
  /** beta * k(klEstimator) added to each token's loss when klInLoss. */
  klInLoss: boolean;
  beta: number;
  klEstimator: KlEstimatorCode;
  /** false: the info's ref column is ignored and the kl stat is 0. */
  hasRef: boolean;
  /** Estimator of the kl stat (k1 when kl_in = reward). */
  klMetric: KlEstimatorCode;
  /** -entropyCoef * H added to each token's loss. */
  entropyCoef: number;
}

export interface PolicyLossTokensOutput {
  /** [N] dL/dlp = weight * dl/dlp. */
  dlogprob: Tensor;
  /** [N] dL/dH = -entropyCoef * weight. */
  dentropy: Tensor;
  /** [N,5] columns POLICY_STATS. */
  stats: Tensor;
}

export function klCode(e: KlEstimatorCode): number {
  switch (e) {
    case 'k1':
      return 0;
    case 'k2':
      return 1;
    case 'k3':
      return 2;
    default:
      return e satisfies never;
  }
}

function checkOptions(op: string, o: PolicyLossKernelOptions): void {
  if (o.klInLoss && !o.hasRef) throw new Error(`${op}: klInLoss needs the ref column (hasRef)`);
  for (const [name, v] of [
    ['epsilonHigh', o.epsilonHigh],
    ['beta', o.beta],
    ['entropyCoef', o.entropyCoef],
  ] as const) {
    if (!Number.isFinite(v)) throw new Error(`${op}: ${name} must be finite, got ${v}`);
  }
}

/** Per-token clipped surrogate (+ beta*KL, - entropyCoef*H) with its weighted gradient and stats. */
export function policyLossTokens(
  rt: Runtime,
  logprob: Tensor,
  entropy: Tensor,
  info: Tensor,
  opts: PolicyLossKernelOptions,
): PolicyLossTokensOutput {
  const op = 'policyLossTokens';
  checkOptions(op, opts);
  expectShape(op, 'logprob', logprob, [undefined]);
  const [n] = logprob.shape;
  expectShape(op, 'entropy', entropy, [n]);
  expectShape(op, 'info', info, [n, POLICY_INFO.length]);
  const dlogprob = rt.empty([n], 'policyLoss.dlogprob');
  const dentropy = rt.empty([n], 'policyLoss.dentropy');
  const stats = rt.empty([n, POLICY_STATS.length], 'policyLoss.stats');
  rt.dispatch({
    kernel: 'policyLoss.tokens',
    code: CODE,
    entry: 'policy_loss',
    read: [logprob, entropy, info],
    write: [dlogprob, dentropy, stats],
    uniforms: uniforms()
      .u32(
        n,
        opts.hasOld ? 1 : 0,
        opts.epsilon === null ? 0 : 1,
        opts.klInLoss ? 1 : 0,
        klCode(opts.klEstimator),
        klCode(opts.klMetric),
        opts.hasRef ? 1 : 0,
        0,
      )
      .f32(opts.epsilon ?? 0, opts.epsilonHigh, opts.beta, opts.entropyCoef),
    workgroups: { linear: Math.max(1, Math.ceil(n / WG)) },
  });
  return { dlogprob, dentropy, stats };
}

/** PPO's clipped value loss per token: dL/dV [N] and the loss terms [N,1] (sum = vf_coef * value loss). */
export function valueLossTokens(
  rt: Runtime,
  values: Tensor,
  info: Tensor,
  opts: { clipRange: number },
): { dvalues: Tensor; stats: Tensor } {
  const op = 'valueLossTokens';
  if (!(opts.clipRange >= 0)) throw new Error(`${op}: clipRange must be >= 0, got ${opts.clipRange}`);
  expectShape(op, 'values', values, [undefined]);
  const [n] = values.shape;
  expectShape(op, 'info', info, [n, VALUE_INFO.length]);
  const dvalues = rt.empty([n], 'valueLoss.dvalues');
  const stats = rt.empty([n, 1], 'valueLoss.stats');
  rt.dispatch({
    kernel: 'policyLoss.value',
    code: CODE,
    entry: 'value_loss',
    read: [values, info],
    write: [dvalues, stats],
    uniforms: uniforms().u32(n).f32(opts.clipRange),
    workgroups: { linear: Math.max(1, Math.ceil(n / WG)) },
  });
  return { dvalues, stats };
}
