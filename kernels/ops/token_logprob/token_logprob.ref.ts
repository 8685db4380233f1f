/**
 * Float64 oracle for token_logprob.ts: log-softmax of z/T, gather, entropy as -sum p log p, and the
 * backward written straight from the formulas dlogp/dz = (onehot - p)/T, dH/dz = -p (log p + H)/T.
 */
import { logSoftmaxRef } from '../softmax/softmax.ref.js';

function scaledLogSoftmax(logits: Float64Array, n: number, v: number, temperature: number): Float64Array {
  return logSoftmaxRef(
    logits.map((z) => z / temperature),
    n,
    v,
  );
}

export function tokenLogprobEntropyRef(
  logits: Float64Array,
  tokens: ArrayLike<number>,
  n: number,
  v: number,
  temperature: number,
): { logprob: Float64Array; entropy: Float64Array; lse: Float64Array } {
  const logp = scaledLogSoftmax(logits, n, v, temperature);
  const logprob = new Float64Array(n);
  const entropy = new Float64Array(n);
  const lse = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    lse[r] = logits[r * v] / temperature - logp[r * v];
    const t = tokens[r];
    logprob[r] = t >= 0 && t < v ? logp[r * v + t] : 0;
    let h = 0;
    for (let j = 0; j < v; j++) h -= Math.exp(logp[r * v + j]) * logp[r * v + j];
    entropy[r] = h;
  }
  return { logprob, entropy, lse };
}

export function tokenLogprobEntropyBackwardRef(
  logits: Float64Array,
  tokens: ArrayLike<number>,
  dlogprob: Float64Array | undefined,
  dentropy: Float64Array | undefined,
  n: number,
  v: number,
  temperature: number,
): Float64Array {
  const logp = scaledLogSoftmax(logits, n, v, temperature);
  const { entropy } = tokenLogprobEntropyRef(logits, tokens, n, v, temperature);
  const dz = new Float64Array(n * v);
  for (let r = 0; r < n; r++) {
    const t = tokens[r];
    const a = dlogprob && t >= 0 && t < v ? dlogprob[r] : 0;
    const b = dentropy ? dentropy[r] : 0;
    for (let j = 0; j < v; j++) {
      const lp = logp[r * v + j];
      const p = Math.exp(lp);
      dz[r * v + j] = (a * ((j === t ? 1 : 0) - p) - b * p * (lp + entropy[r])) / temperature;
    }
  }
  return dz;
}
