/**
 * The bridge between engine/rl's policy loss and its GPU kernel (kernels/ops/policy_loss): what the
 * loss needs besides the current log-probs (old and ref lp, advantages, the loss_type weight of every
 * token, PPO's old values and returns) is known on the CPU before the forward pass, so it is packed
 * per micro-batch in the model's [B*T] layout, the kernel writes dL/dlp, dL/dH and dL/dV there, and the
 * loss and metrics come back in one read after the backward is queued. Agrees with `policyLoss`
 * (policy-loss-gpu.test.ts); the sums are float32 on the GPU rather than float64.
 */
import {
  POLICY_INFO,
  POLICY_STATS,
  type PolicyLossKernelOptions,
  policyLossTokens,
  VALUE_INFO,
  valueLossTokens,
} from '../../kernels/ops/policy_loss/policy_loss.js';
import { columnSums } from '../../kernels/ops/reduce/reduce.js';
import type { Runtime, Tensor } from '../../kernels/runtime/index.js';
import { lossTokens, type PolicyLossOptions, type PolicyLossResult } from '../rl/policy-loss.js';

/** The loss and metrics of a step; the per-token gradients stayed on the GPU. */
export type PolicyStepResult = Pick<PolicyLossResult, 'loss' | 'policyLoss' | 'valueLoss' | 'metrics'>;

export interface PolicyTokensInput {
  rows: number;
  /** max_completion_length. */
  L: number;
  /** [B] per completion or [B*L] per token (gae). */
  advantages: ArrayLike<number>;
  /** [B*L] 1 on completion tokens. */
  mask: ArrayLike<number>;
  truncated?: ArrayLike<number | boolean>;
  /** [B] micro-batch index of each row (bnpo). */
  microBatch?: ArrayLike<number>;
  /** [B*L] 1 on forced prefix tokens (prefix sampling), or null / absent. */
  prefix?: ArrayLike<number> | null;
  /** [B*L] sampled lp used as old (num_iterations > 1), or null: ratio exactly 1. */
  old: ArrayLike<number> | null;
  /** [B*L] reference lp, or null. */
  ref: ArrayLike<number> | null;
  /** PPO: [B*L] values when sampled and GAE returns. */
  value?: { oldValues: ArrayLike<number>; returns: ArrayLike<number> };
}

/** The CPU half of a step's loss, [B*L] each: made once per step, packed per micro-batch. */
export interface PolicyTokens {
  rows: number;
  L: number;
  weight: Float64Array;
  counted: Float64Array;
  advantage: Float64Array;
  /** [B*L] 1 on counted forced prefix tokens, or null (packed as counted = 2). */
  prefix: Float64Array | null;
  old: ArrayLike<number> | null;
  ref: ArrayLike<number> | null;
  /** Completion tokens that count (the metrics' denominator). */
  tokens: number;
  value?: { oldValues: ArrayLike<number>; returns: ArrayLike<number>; scale: number; clipRange: number };
  kernel: PolicyLossKernelOptions;
}

/** Weights, masks and per-token advantages exactly as `policyLoss` aggregates them. */
export function policyTokens(input: PolicyTokensInput, options: PolicyLossOptions): PolicyTokens {
  const { rows, L } = input;
  if (input.mask.length !== rows * L) {
    throw new Error(`policyTokens: mask ${input.mask.length} != rows ${rows} * L ${L}`);
  }
  const { weights, counted, advantage, prefix, tokens, klInLoss, metricEstimator } = lossTokens(
    input,
    options,
    'policyTokens',
  );
  return {
    rows,
    L,
    weight: weights,
    counted,
    advantage,
    prefix,
    old: input.old,
    ref: input.ref,
    tokens,
    value: input.value && {
      ...input.value,
      scale: tokens ? (options.vf_coef ?? 0.5) / tokens : 0,
      clipRange: options.cliprange_value ?? 0.2,
    },
    kernel: {
      hasOld: input.old !== null,
      epsilon: options.epsilon,
      epsilonHigh: options.epsilon_high ?? options.epsilon ?? 0,
      klInLoss,
      beta: options.beta,
      klEstimator: options.kl_estimator,
      hasRef: input.ref !== null,
      klMetric: metricEstimator,
      entropyCoef: options.entropy_coef,
    },
  };
}

/**
 * Where a micro-batch's tokens sit in the model's layout: row b (of `rows`, starting at step row
 * `rowOffset`), completion token t at position b*T + Tp - 1 + t of [rows*T].
 */
export interface TokenPlacement {
  rowOffset: number;
  rows: number;
  T: number;
  Tp: number;
}

function forEachToken(p: TokenPlacement, L: number, f: (k: number, pos: number) => void): void {
  for (let b = 0; b < p.rows; b++)
    for (let t = 0; t < L; t++) f((p.rowOffset + b) * L + t, b * p.T + p.Tp - 1 + t);
}

/**
 * [rows*T, 5] POLICY_INFO columns in the model layout; zeros (counted 0) off completion tokens,
 * counted 2 on forced prefix tokens.
 */
export function packPolicyInfo(tokens: PolicyTokens, p: TokenPlacement): Float32Array {
  const I = POLICY_INFO.length;
  const out = new Float32Array(p.rows * p.T * I);
  forEachToken(p, tokens.L, (k, pos) => {
    if (!tokens.counted[k]) return;
    out[pos * I] = tokens.old ? tokens.old[k] : 0;
    out[pos * I + 1] = tokens.ref ? tokens.ref[k] : 0;
    out[pos * I + 2] = tokens.advantage[k];
    out[pos * I + 3] = tokens.weight[k];
    out[pos * I + 4] = tokens.prefix?.[k] ? 2 : 1;
  });
  return out;
}

/** [rows*T, 3] VALUE_INFO columns in the model layout; scale 0 off counted tokens. */
export function packValueInfo(tokens: PolicyTokens, p: TokenPlacement): Float32Array {
  const value = tokens.value;
  if (!value) throw new Error('packValueInfo: the step has no value head');
  const I = VALUE_INFO.length;
  const out = new Float32Array(p.rows * p.T * I);
  forEachToken(p, tokens.L, (k, pos) => {
    if (!tokens.counted[k]) return;
    out[pos * I] = value.oldValues[k];
    out[pos * I + 1] = value.returns[k];
    out[pos * I + 2] = value.scale;
  });
  return out;
}

/** Upstream gradients of one micro-batch, [rows*T] each; the caller disposes them after the backward. */
export interface TokenGradients {
  dlogprob: Tensor;
  /** Present when entropy_coef != 0. */
  dentropy?: Tensor;
  /** Present with a value head. */
  dvalues?: Tensor;
}

/**
 * Runs the loss kernels micro-batch by micro-batch, summing their stats on the GPU, and reads the
 * totals once at the end.
 */
export class GpuPolicyLoss {
  private stats: Tensor | undefined;
  private valueStats: Tensor | undefined;

  constructor(
    private readonly rt: Runtime,
    readonly tokens: PolicyTokens,
  ) {}

  /** lp and entropy [rows*T] from tokenLogprobEntropy, values [rows*T] from the value head. */
  microBatch(lp: Tensor, entropy: Tensor, values: Tensor | undefined, p: TokenPlacement): TokenGradients {
    const rt = this.rt;
    const n = p.rows * p.T;
    const info = rt.upload(packPolicyInfo(this.tokens, p), [n, POLICY_INFO.length], 'policyLoss.info');
    const out = policyLossTokens(rt, lp, entropy, info, this.tokens.kernel);
    info.dispose();
    this.stats = accumulate(rt, out.stats, this.stats);
    out.stats.dispose();
    let dentropy: Tensor | undefined = out.dentropy;
    if (this.tokens.kernel.entropyCoef === 0) {
      out.dentropy.dispose();
      dentropy = undefined;
    }
    let dvalues: Tensor | undefined;
    if (this.tokens.value) {
      if (!values) throw new Error('GpuPolicyLoss: the step has a value head but no values were given');
      const vInfo = rt.upload(packValueInfo(this.tokens, p), [n, VALUE_INFO.length], 'valueLoss.info');
      const v = valueLossTokens(rt, values, vInfo, { clipRange: this.tokens.value.clipRange });
      vInfo.dispose();
      this.valueStats = accumulate(rt, v.stats, this.valueStats);
      v.stats.dispose();
      dvalues = v.dvalues;
    }
    return { dlogprob: out.dlogprob, dentropy, dvalues };
  }

  /**
   * The summed stats tensors ([S] policy, then [1] value when there is a value head), still on the
   * GPU: a caller that reads them with the update (`adamwUpdate`'s `extra`) passes what it read to
   * `decode`, so the train phase is one submission.
   */
  pending(): Tensor[] {
    const stats = this.stats;
    if (!stats) throw new Error('GpuPolicyLoss: no micro-batch was run');
    return [stats, ...(this.valueStats ? [this.valueStats] : [])];
  }

  /** The loss and the metrics, as `policyLoss` reports them, from what `pending()`'s tensors held; frees them. */
  decode(read: readonly ArrayLike<number>[]): PolicyStepResult {
    const [s, v] = read;
    this.stats?.dispose();
    this.valueStats?.dispose();
    this.stats = undefined;
    this.valueStats = undefined;
    const col = (name: (typeof POLICY_STATS)[number]) => s[POLICY_STATS.indexOf(name)];
    const n = this.tokens.tokens;
    const frac = (c: number) => (n ? c / n : 0);
    const policyLoss = col('weightedLoss');
    const valueLoss = v ? v[0] : 0;
    return {
      loss: policyLoss + valueLoss,
      policyLoss,
      valueLoss,
      metrics: {
        kl: frac(col('kl')),
        'clip_ratio/low_mean': frac(col('clipLow')),
        'clip_ratio/high_mean': frac(col('clipHigh')),
        'clip_ratio/region_mean': frac(col('clipLow') + col('clipHigh')),
        entropy: frac(col('entropy')),
      },
    };
  }

  /** One readMany of the summed stats: the loss and the metrics, as `policyLoss` reports them. */
  async read(): Promise<PolicyStepResult> {
    return this.decode(await this.rt.readMany(this.pending()));
  }
}

/** Column sums of stats [N,S] into a step-wide [S] (the first micro-batch overwrites). */
function accumulate(rt: Runtime, stats: Tensor, into: Tensor | undefined): Tensor {
  if (!into) return columnSums(rt, stats);
  columnSums(rt, stats, { into, accumulate: true });
  return into;
}
