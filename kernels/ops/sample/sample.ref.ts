/**
 * Float64 reference of the sampler: the filtered distribution (temperature, then top-k, top-p
 * renormalised over what top-k kept, min-p relative to the maximum, as Hugging Face's warpers chain),
 * the token an inverse-CDF walk in index order picks for a uniform u, and lp / entropy over the full
 * vocabulary.
 */
import type { SamplingOptions } from './sample.js';

export interface SampledRef {
  /** Probability of each token under the filtered, renormalised distribution. */
  probs: Float64Array;
  token: number;
  logprob: number;
  entropy: number;
}

export function sampleRef(logits: ArrayLike<number>, o: SamplingOptions, u: number): SampledRef {
  const V = logits.length;
  const x = Float64Array.from(logits, (z) => z / o.temperature);
  let m = Number.NEGATIVE_INFINITY;
  for (const v of x) m = Math.max(m, v);
  let s = 0;
  for (const v of x) s += Math.exp(v - m);
  const lse = m + Math.log(s);
  let entropy = 0;
  for (const v of x) {
    const p = Math.exp(v - lse);
    if (p > 0) entropy -= p * (v - lse);
  }
  const keep = new Array<boolean>(V).fill(true);
  if (o.minP > 0) for (let i = 0; i < V; i++) if (x[i] < m + Math.log(o.minP)) keep[i] = false;
  const order = [...x.keys()].sort((a, b) => x[b] - x[a]);
  if (o.topK > 0 && o.topK < V) {
    const kth = x[order[o.topK - 1]];
    for (let i = 0; i < V; i++) if (x[i] < kth) keep[i] = false;
  }
  if (o.topP < 1) {
    const kept = order.filter((i) => keep[i]);
    const total = kept.reduce((acc, i) => acc + Math.exp(x[i] - m), 0);
    let cum = 0;
    let cutoff = Number.NEGATIVE_INFINITY;
    for (const i of kept) {
      cum += Math.exp(x[i] - m);
      cutoff = x[i];
      if (cum >= o.topP * total) break;
    }
    for (let i = 0; i < V; i++) if (x[i] < cutoff) keep[i] = false;
  }
  const probs = new Float64Array(V);
  let w = 0;
  for (let i = 0; i < V; i++) if (keep[i]) w += Math.exp(x[i] - m);
  for (let i = 0; i < V; i++) probs[i] = keep[i] ? Math.exp(x[i] - m) / w : 0;
  let token: number;
  if (o.greedy)
    token = order.reduce(
      (best, i) => (x[i] > x[best] || (x[i] === x[best] && i < best) ? i : best),
      order[0],
    );
  else {
    let target = u;
    token = -1;
    let last = -1;
    for (let i = 0; i < V; i++) {
      if (!keep[i]) continue;
      last = i;
      if (target < probs[i]) {
        token = i;
        break;
      }
      target -= probs[i];
    }
    if (token < 0) token = last;
  }
  return { probs, token, logprob: x[token] - lse, entropy };
}
