/**
 * Float64 oracle for cross_entropy.ts, deliberately unfused: log-softmax, then gather the target,
 * so the fused kernel is checked against the textbook composition. Targets outside [0,V) are ignored.
 */
import { logSoftmaxRef, softmaxRef } from '../softmax/softmax.ref.js';

export function crossEntropyForwardRef(
  logits: Float64Array,
  targets: ArrayLike<number>,
  n: number,
  v: number,
): { loss: Float64Array; lse: Float64Array } {
  const logp = logSoftmaxRef(logits, n, v);
  const loss = new Float64Array(n);
  const lse = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    lse[r] = logits[r * v] - logp[r * v];
    const t = targets[r];
    loss[r] = t >= 0 && t < v ? -logp[r * v + t] : 0;
  }
  return { loss, lse };
}

export function crossEntropyBackwardRef(
  logits: Float64Array,
  targets: ArrayLike<number>,
  dloss: Float64Array,
  n: number,
  v: number,
): Float64Array {
  const p = softmaxRef(logits, n, v);
  const dlogits = new Float64Array(n * v);
  for (let r = 0; r < n; r++) {
    const t = targets[r];
    if (t < 0 || t >= v) continue;
    for (let j = 0; j < v; j++) dlogits[r * v + j] = (p[r * v + j] - (j === t ? 1 : 0)) * dloss[r];
  }
  return dlogits;
}
