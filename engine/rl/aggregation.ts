/**
 * How per-token losses become one number (`loss_type`, docs/ALGORITHMS.md "Aggregation"): each variant
 * is a weight per token, so the loss is sum(w * l) and its gradient is w * dl. Truncated completions,
 * when masked, get weight 0 and count in no denominator (dr_grpo's N*L_max included: TabRL's choice).
 */

export type LossType = 'grpo' | 'dapo' | 'bnpo' | 'dr_grpo' | 'sft';

export interface AggregationInput {
  /** [B*L] 1 on completion tokens (EOS counts, padding does not). */
  mask: ArrayLike<number>;
  rows: number;
  /** [B] 1 where the completion hit max_completion_length without EOS. */
  truncated?: ArrayLike<number | boolean>;
  mask_truncated_completions: boolean;
  /** [B] micro-batch index of each row (bnpo); all 0 when omitted. */
  microBatch?: ArrayLike<number>;
  max_completion_length: number;
}

/** Effective mask: completion tokens of rows that are not masked out as truncated. */
export function effectiveMask(input: AggregationInput): Float64Array {
  const { mask, rows } = input;
  const L = mask.length / rows;
  if (!Number.isInteger(L)) throw new Error(`mask length ${mask.length} is not a multiple of rows ${rows}`);
  const out = new Float64Array(mask.length);
  for (let b = 0; b < rows; b++) {
    const dropped = input.mask_truncated_completions && Boolean(input.truncated?.[b]);
    if (dropped) continue;
    for (let t = 0; t < L; t++) out[b * L + t] = mask[b * L + t] ? 1 : 0;
  }
  return out;
}

/**
 * Weights w_{i,t} with loss = sum w*l. With tokens |o| = [2, 1] (one micro-batch, L_max 4):
 * grpo w = 1/(2*2), 1/(2*1); dapo and bnpo w = 1/3; dr_grpo w = 1/(2*4); sft w = 1/3.
 */
export function aggregationWeights(lossType: LossType, input: AggregationInput): Float64Array {
  const m = effectiveMask(input);
  const rows = input.rows;
  const L = m.length / rows;
  const lengths = new Float64Array(rows);
  for (let b = 0; b < rows; b++) for (let t = 0; t < L; t++) lengths[b] += m[b * L + t];
  let kept = 0;
  let tokens = 0;
  for (let b = 0; b < rows; b++) {
    if (lengths[b] > 0) kept++;
    tokens += lengths[b];
  }
  const w = new Float64Array(m.length);
  const fill = (b: number, value: number) => {
    for (let t = 0; t < L; t++) w[b * L + t] = m[b * L + t] * value;
  };
  switch (lossType) {
    case 'grpo':
      for (let b = 0; b < rows; b++) if (lengths[b] > 0) fill(b, 1 / (kept * lengths[b]));
      break;
    case 'dapo':
    case 'sft':
      if (tokens > 0) for (let b = 0; b < rows; b++) fill(b, 1 / tokens);
      break;
    case 'bnpo': {
      const perBatch = new Map<number, number>();
      for (let b = 0; b < rows; b++) {
        const mb = input.microBatch?.[b] ?? 0;
        perBatch.set(mb, (perBatch.get(mb) ?? 0) + lengths[b]);
      }
      const nonEmpty = [...perBatch.values()].filter((n) => n > 0).length;
      for (let b = 0; b < rows; b++) {
        const n = perBatch.get(input.microBatch?.[b] ?? 0) ?? 0;
        if (n > 0) fill(b, 1 / (nonEmpty * n));
      }
      break;
    }
    case 'dr_grpo':
      if (kept > 0) for (let b = 0; b < rows; b++) fill(b, 1 / (kept * input.max_completion_length));
      break;
    default:
      return lossType satisfies never;
  }
  return w;
}
